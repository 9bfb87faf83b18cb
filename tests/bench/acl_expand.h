#pragma once
// NetworkPolicy ingress rules expanded into 5-tuple rules, the way an ACL engine (DPDK's
// rte_acl) needs them: one rule per (source prefix, destination pod address, protocol, port
// range). This is the cross-product podwall's identity classifier avoids; acl_bench measures
// both on the same policies.
//
// Simplifications, all in the ACL's favour (fewer or easier rules): IPv4 only; ingress only
// (podwall also checks the source's egress); ipBlock excepts are dropped; a rule without
// ports matches any protocol and port. Thread: any.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "control/model.h"

namespace podwall {

struct AclRule {
  uint32_t src = 0;  // host order
  uint8_t src_prefix = 32;
  uint32_t dst = 0;
  uint8_t proto = 0;  // 0: any
  uint16_t port_lo = 0, port_hi = 65535;
};

// Expands `cluster.policies` in order until `limit` rules; `policies_used` tells how many
// policies the rules come from (the last one possibly cut short).
std::vector<AclRule> expand_ingress(const Cluster& cluster, size_t limit, size_t& policies_used);

}  // namespace podwall
