#pragma once
// The flow-line format of `podwallctl eval` (DESIGN.md, "Interfaces that others rely on"):
//   SRC_IP DST_IP PROTO DPORT      PROTO one of tcp, udp, sctp, icmp
// A compatible extension: SRC and DST may also name a pod, `namespace/pod` (its first address)
// or `namespace/pod@v6` (its IPv6 address), resolved through the caller's resolver.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "control/model.h"
#include "dataplane/policy/classify.h"

namespace podwall::cli {

struct FlowLineResult {
  std::optional<FlowQuery> flow;  // empty when the line is blank or a comment
  std::string error;              // non-empty when the line is malformed
};

// Returns the address a pod reference names, or nothing.
using PodResolver = std::function<std::optional<IpAddress>(const std::string& reference)>;

// Resolves `namespace/pod` and `namespace/pod@v6` among the pods of `cluster` (kept by
// reference: it must outlive the resolver).
PodResolver pod_resolver(const Cluster& cluster);

FlowLineResult parse_flow_line(std::string_view line, const PodResolver& resolve_pod = {});

// The line parse_flow_line() reads back as `flow`, or nothing when the format cannot say it: a
// protocol other than TCP, UDP, SCTP and the ICMP of the flow's address family, port 0 on a
// port protocol, or mixed address families.
std::optional<std::string> format_flow_line(const FlowQuery& flow);

}  // namespace podwall::cli
