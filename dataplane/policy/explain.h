#pragma once
// "Why was this flow allowed or denied?", answered from the same tables classify() reads.
// Control-side only (allocates strings); never called by workers.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/policy/tables.h"

namespace podwall {

struct DirectionExplanation {
  bool is_pod = false;    // the side whose policies apply is a pod of the cluster
  bool isolated = false;  // some policy selects it for this direction
  std::vector<uint32_t> isolating_policies;  // indices into policy_names
  bool allowed = true;
  std::optional<RuleRef> allowed_by;  // the first rule (in policy order) that admits the flow
};

struct Explanation {
  AddressInfo src;
  AddressInfo dst;
  DirectionExplanation egress;   // policies of the source
  DirectionExplanation ingress;  // policies of the destination
  Verdict verdict = Verdict::deny;
};

Explanation explain(const PolicyTables& tables, const FlowQuery& flow);

// One line, e.g. "egress: default/client not isolated; ingress: default/web isolated by
// [default/allow-client]; allowed by default/allow-client ingress rule 0".
std::string format_explanation(const PolicyTables& tables, const Explanation& explanation);

// "ns/pod" for a pod address, else "external".
std::string address_name(const PolicyTables& tables, const AddressInfo& info);

}  // namespace podwall
