// podwallctl explain: one flow, given on the command line, and why the tables decide it so --
// each end, the policies that isolate it, and the rule that lets the flow through, quoted.

#include <cstdio>
#include <string>

#include "control/cli/commands.h"
#include "control/cli/flow_line.h"
#include "control/cli/render.h"
#include "dataplane/policy/explain.h"

namespace podwall::cli {
namespace {

const NetworkPolicy* find_policy(const Cluster& cluster, const std::string& qualified_name) {
  for (const NetworkPolicy& p : cluster.policies) {
    if (p.namespace_name + "/" + p.name == qualified_name) return &p;
  }
  return nullptr;
}

std::string endpoint_text(const PolicyTables& tables, const AddressInfo& info,
                          const IpAddress& address) {
  const std::string text = address.to_string();
  if (info.endpoint == kNoId) return text + " (not a pod)";
  return address_name(tables, info) + " (" + text + ")";
}

void print_direction(const PolicyTables& tables, const Cluster& cluster, const char* label,
                     const std::string& who, const DirectionExplanation& d) {
  if (!d.is_pod) {
    std::printf("%-9s %s is not a pod: no %s policy applies\n", label, who.c_str(), label);
    return;
  }
  if (!d.isolated) {
    std::printf("%-9s %s is not isolated for %s: allowed\n", label, who.c_str(), label);
    return;
  }
  std::printf("%-9s %s is isolated for %s by\n", label, who.c_str(), label);
  for (uint32_t policy : d.isolating_policies) {
    std::printf("%-9s   %s\n", "", tables.policy_names[policy].c_str());
  }
  if (!d.allowed) {
    std::printf("%-9s no rule of these policies allows the flow\n", "");
    return;
  }
  if (!d.allowed_by) {
    std::printf("%-9s allowed\n", "");
    return;
  }
  const RuleRef& ref = *d.allowed_by;
  const std::string& name = tables.policy_names[ref.policy];
  std::printf("%-9s allowed by %s, %s rule %u", "", name.c_str(), label, ref.rule);
  if (const NetworkPolicy* policy = find_policy(cluster, name)) {
    const bool ingress = ref.direction == Direction::ingress;
    const std::vector<PolicyRule>& rules = ingress ? policy->ingress : policy->egress;
    if (ref.rule < rules.size()) {
      std::printf(": %s", render_rule(rules[ref.rule], policy->namespace_name, ingress).c_str());
    }
  }
  std::printf("\n");
}

}  // namespace

int run_explain(const Args& args) {
  auto dir = manifests_dir(args);
  if (!dir) return kExitUsage;
  if (args.positional.size() < 3 || args.positional.size() > 4) {
    std::fprintf(stderr, "podwallctl explain: give the flow as SRC DST PROTO [DPORT]\n");
    return kExitUsage;
  }
  Loaded loaded = load_and_compile(*dir, false);
  if (loaded.unreadable) return kExitInvalid;
  const PolicyTables& tables = *loaded.tables;

  std::string line;
  for (const std::string& word : args.positional) line += word + " ";
  FlowLineResult parsed = parse_flow_line(line, pod_resolver(loaded.cluster));
  if (!parsed.error.empty() || !parsed.flow) {
    std::fprintf(stderr, "podwallctl explain: %s\n",
                 parsed.error.empty() ? "no flow given" : parsed.error.c_str());
    return kExitInvalid;
  }
  const FlowQuery& flow = *parsed.flow;
  const Explanation e = explain(tables, flow);
  const std::string src = endpoint_text(tables, e.src, flow.src);
  const std::string dst = endpoint_text(tables, e.dst, flow.dst);
  std::string what = format_flow_line(flow).value_or(line);
  std::printf("%-9s %s\n", "flow", what.c_str());
  std::printf("%-9s %s -> %s\n", "", src.c_str(), dst.c_str());
  print_direction(tables, loaded.cluster, "egress", src, e.egress);
  print_direction(tables, loaded.cluster, "ingress", dst, e.ingress);
  std::printf("%-9s %s\n", "verdict", e.verdict == Verdict::allow ? "allow" : "deny");
  if (loaded.error_count > 0) {
    std::fprintf(stderr, "%s: %zu manifest error%s; the verdict uses the files that loaded\n",
                 dir->c_str(), loaded.error_count, loaded.error_count == 1 ? "" : "s");
    return kExitInvalid;
  }
  return kExitOk;
}

}  // namespace podwall::cli
