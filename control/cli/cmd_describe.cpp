// podwallctl describe: per policy, what it selects and allows; per pod, whether it is isolated
// for ingress and egress, and by which policies (read from the compiled tables).

#include <cstdio>
#include <string>

#include "control/cli/commands.h"
#include "control/cli/render.h"

namespace podwall::cli {

namespace {

void describe_policy(const NetworkPolicy& policy, const Cluster& cluster) {
  std::printf("NetworkPolicy %s  (%s)\n", policy.qualified_name().c_str(),
              policy.pos.to_string().c_str());
  std::printf("  pod selector: %s\n", render_selector(policy.pod_selector).c_str());
  std::string selected;
  for (const auto& pod : cluster.pods) {
    if (pod.namespace_name == policy.namespace_name && policy.pod_selector.matches(pod.labels)) {
      selected += (selected.empty() ? "" : ", ") + pod.name;
    }
  }
  std::printf("  selects: %s\n", selected.empty() ? "<no pods>" : selected.c_str());
  std::string types = policy.isolates_ingress ? "Ingress" : "";
  if (policy.isolates_egress) types += types.empty() ? "Egress" : ", Egress";
  std::printf("  policy types: %s\n", types.c_str());
  auto section = [&](const char* name, const std::vector<PolicyRule>& rules, bool in_force,
                     bool ingress) {
    if (!in_force) return;
    if (rules.empty()) {
      std::printf("  %s: deny all (no rules)\n", name);
      return;
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      std::printf("  %s rule %zu: allow %s\n", name, i,
                  render_rule(rules[i], policy.namespace_name, ingress).c_str());
    }
  };
  section("ingress", policy.ingress, policy.isolates_ingress, true);
  section("egress", policy.egress, policy.isolates_egress, false);
}

std::string isolation(const PolicyTables& t, uint32_t identity, Direction dir) {
  uint32_t group = t.identities[identity].group[int(dir)];
  if (group == kNoId) return "not isolated (all allowed)";
  std::string out = "isolated by ";
  const PolicyGroup& g = t.groups[group];
  for (uint32_t i = 0; i < g.policy_count; ++i) {
    out += (i ? ", " : "") + t.policy_names[t.group_policies[g.first_policy + i]];
  }
  return out;
}

}  // namespace

int run_describe(const Args& args) {
  auto dir = manifests_dir(args);
  if (!dir) return kExitUsage;
  Loaded loaded = load_and_compile(*dir, false);
  if (loaded.unreadable) return kExitInvalid;
  const Cluster& cluster = loaded.cluster;
  const PolicyTables& t = *loaded.tables;

  for (const auto& policy : cluster.policies) {
    describe_policy(policy, cluster);
    std::printf("\n");
  }
  for (size_t e = 0; e < t.endpoints.size(); ++e) {
    // One paragraph per pod: skip the second address of dual-stack pods.
    if (e > 0 && t.endpoint_pod[e] == t.endpoint_pod[e - 1]) continue;
    const Pod& pod = cluster.pods[t.endpoint_pod[e]];
    std::string addresses;
    for (const auto& a : pod.addresses)
      addresses += (addresses.empty() ? "" : ", ") + a.to_string();
    std::printf("Pod %s/%s  [%s]\n", pod.namespace_name.c_str(), pod.name.c_str(),
                addresses.c_str());
    std::printf("  ingress: %s\n",
                isolation(t, t.endpoints[e].identity, Direction::ingress).c_str());
    std::printf("  egress:  %s\n",
                isolation(t, t.endpoints[e].identity, Direction::egress).c_str());
  }
  for (const auto& pod : cluster.pods) {
    if (pod.addresses.empty()) {
      std::printf("Pod %s/%s  [no address: not on the wire yet]\n", pod.namespace_name.c_str(),
                  pod.name.c_str());
    }
  }
  return loaded.error_count ? kExitInvalid : kExitOk;
}

}  // namespace podwall::cli
