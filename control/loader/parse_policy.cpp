#include "control/loader/parse_labels.h"
#include "control/loader/parse_objects.h"
#include "control/loader/parse_policy_rule.h"

namespace podwall {
namespace {

struct PolicyTypes {
  bool listed = false;  // policyTypes present and non-empty
  bool ingress = false;
  bool egress = false;
};

PolicyTypes read_policy_types(DiagnosticSink& sink, const Field& field) {
  PolicyTypes types;
  if (!expect_list(sink, field)) return types;
  for (const Field& item : field.items()) {
    auto text = read_string(sink, item);
    if (!text) {
      if (!item.present()) report_error(sink, item, "must be Ingress or Egress, not null");
      continue;
    }
    bool* slot = *text == "Ingress" ? &types.ingress : *text == "Egress" ? &types.egress : nullptr;
    if (!slot) {
      report_error(sink, item, "unknown policy type \"" + *text + "\"; expected Ingress or Egress");
    } else if (*slot) {
      report_error(sink, item, "duplicate policy type \"" + *text + "\"");
    }
    if (slot) *slot = true;
    types.listed = true;
  }
  return types;
}

std::vector<PolicyRule> read_rules(DiagnosticSink& sink, const Field& section,
                                   const char* peers_key) {
  std::vector<PolicyRule> rules;
  if (!expect_list(sink, section)) return rules;
  for (const Field& item : section.items()) {
    rules.push_back(read_policy_rule(sink, item, peers_key));
  }
  return rules;
}

// Rules of a direction that is not in force can never apply; dropping them here means the
// compiler never sees them. Worth a note, since the author probably expected them to work.
void drop_unused(DiagnosticSink& sink, const Field& section, const char* type,
                 std::vector<PolicyRule>& rules) {
  if (rules.empty()) return;
  report_note(sink, section,
              std::string("ignored: policyTypes does not include ") + type + ", so these " +
                  std::to_string(rules.size()) + " rule(s) never apply");
  rules.clear();
}

}  // namespace

NetworkPolicy parse_network_policy(DiagnosticSink& sink, const Field& object) {
  ObjectMeta meta = read_metadata(sink, object, NameRule::dns1123_subdomain, true);
  NetworkPolicy policy;
  policy.namespace_name = meta.namespace_name;
  policy.name = meta.name;
  policy.pos = position(sink.file(), object);
  Field spec = object.child("spec");
  if (!spec.present()) {
    report_error(sink, spec, "required");
    return policy;
  }
  if (!expect_map(sink, spec)) return policy;
  Field selector = spec.child("podSelector");
  if (!selector.present()) {
    report_error(sink, selector, "required (use {} to select every pod in the namespace)");
  } else if (auto parsed = read_label_selector(sink, selector)) {
    policy.pod_selector = std::move(*parsed);
  }
  Field types_field = spec.child("policyTypes");
  PolicyTypes types = read_policy_types(sink, types_field);
  Field ingress = spec.child("ingress");
  Field egress = spec.child("egress");
  policy.ingress = read_rules(sink, ingress, "from");
  policy.egress = read_rules(sink, egress, "to");
  if (types.listed) {
    policy.isolates_ingress = types.ingress;
    policy.isolates_egress = types.egress;
  } else {
    // Kubernetes' defaulting: Ingress always, Egress only when there is an egress rule, so
    // `egress: []` alone does not isolate egress.
    policy.isolates_ingress = true;
    policy.isolates_egress = !policy.egress.empty();
  }
  if (!policy.isolates_ingress) drop_unused(sink, ingress, "Ingress", policy.ingress);
  if (!policy.isolates_egress) drop_unused(sink, egress, "Egress", policy.egress);
  return policy;
}

}  // namespace podwall
