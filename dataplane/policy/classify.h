#pragma once
// The one answer to "is this new connection allowed?", shared by the workers, podwallctl and
// the tests. DPDK-free and allocation-free; safe to call from any thread on tables that stay
// alive for the duration of the call (workers: inside an RCU read-side section).

#include <cstdint>

#include "dataplane/policy/ip_address.h"

namespace podwall {

class PolicyTables;

// A connection attempt as the policy sees it: the initiator is `src`. `dst_port` is ignored
// for protocols without ports (ICMP and anything not TCP/UDP/SCTP).
struct FlowQuery {
  IpAddress src;
  IpAddress dst;
  uint8_t ip_proto = 0;  // IANA number: 6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6, ...
  uint16_t dst_port = 0;

  friend bool operator==(const FlowQuery&, const FlowQuery&) = default;
};

enum class Verdict : uint8_t { deny = 0, allow = 1 };

// TCP, UDP and SCTP carry the ports NetworkPolicy talks about; for other protocols the port
// is ignored and only rules without `ports` match.
inline bool protocol_has_ports(uint8_t ip_proto) {
  return ip_proto == 6 || ip_proto == 17 || ip_proto == 132;
}

// Cost: two address lookups, then per isolated end a filter word and at most one allow-map
// probe per peer kind its policies use (usually one, none for most peers it does not admit),
// whatever the number of policies. Never allocates, never throws, never blocks.
Verdict classify(const PolicyTables& tables, const FlowQuery& flow) noexcept;

// classify() of flows[0, count) into verdicts[0, count): the same verdicts, for less time per
// flow. Each verdict takes up to four rounds of memory accesses (the two address slots, the
// identities of the pod ends, the filter words of the isolated ends, the allow-map slots the
// filters let through); here every flow of a batch issues a round before any flow reads it, so
// the misses of the batch overlap -- what a batch buys rte_acl_classify() too. Same guarantees
// as classify().
void classify_burst(const PolicyTables& tables, const FlowQuery flows[], uint32_t count,
                    Verdict verdicts[]) noexcept;

}  // namespace podwall
