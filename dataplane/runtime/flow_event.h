#pragma once
// A policy verdict against a connection, reported by the worker that made it: the raw material
// of the flow log, which answers "why was my connection dropped?" after the fact.
//
// Three kinds: a new connection the policy denies (policy_denied), an established one that a
// policy change cut (policy_revoked, --established=recheck), and, when asked for
// (--flow-log-allowed), a new connection the policy allows (reason none). Each worker hands its
// events to the control thread through its own single-producer queue (Worker::events_); the
// control thread explains them against the live tables and writes them out
// (control/daemon/flow_log.h). Plain data, no DPDK.

#include <cstdint>
#include <string>

#include "dataplane/packet/drop_reason.h"
#include "dataplane/policy/ip_address.h"

namespace podwall {

struct FlowEvent {
  uint64_t tsc = 0;         // the worker's clock (TSC ticks) when it judged the packet
  uint64_t unix_ns = 0;     // the same instant in Unix time: filled in by the Dataplane facade
  uint64_t generation = 0;  // the policy generation that judged it
  // The connection as its initiator opened it, whichever end sent the packet.
  IpAddress src;
  IpAddress dst;
  uint16_t sport = 0;  // 0 for protocols without ports
  uint16_t dport = 0;
  uint8_t ip_proto = 0;
  // ICMP and ICMPv6: the type and code of the packet judged (for a connection cut when its
  // reply arrived, the reply's). 0 for other protocols.
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  DropReason reason = DropReason::none;  // policy_denied, policy_revoked, or none: allowed
  uint16_t in_port = 0;                  // the DPDK port the packet arrived on
  uint16_t worker = 0;
};

// The port an event's packet arrived on, as the flow log names it.
struct PortLabel {
  std::string name;   // EAL's name, e.g. net_af_packet0
  std::string iface;  // the kernel interface behind the port (its iface= argument), or ""
};

// Is a drop of this reason a policy verdict that the flow log reports? (Allowed connections are
// reported by Decision::opened instead.)
inline bool is_flow_event_reason(DropReason reason) {
  return reason == DropReason::policy_denied || reason == DropReason::policy_revoked;
}

}  // namespace podwall
