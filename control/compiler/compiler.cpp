#include "control/compiler/compiler.h"

#include <stdexcept>
#include <string>

#include "control/compiler/cidr_classes.h"
#include "control/compiler/cluster_index.h"
#include "control/compiler/rule_builder.h"
#include "control/compiler/table_packer.h"

namespace podwall {

std::unique_ptr<PolicyTables> compile_policy(const Cluster& cluster) {
  ClusterIndex index(cluster);

  CidrClasses cidrs;
  std::unordered_map<const PolicyPeer*, uint32_t> block_of_peer;
  std::vector<const LabelSelector*> namespace_selectors, pod_selectors;
  for (const auto& policy : cluster.policies) {
    for (const auto* rules : {&policy.ingress, &policy.egress}) {
      for (const auto& rule : *rules) {
        for (const auto& peer : rule.peers) {
          if (peer.ip_block) block_of_peer.emplace(&peer, cidrs.add_block(*peer.ip_block));
          if (peer.namespace_selector) namespace_selectors.push_back(&*peer.namespace_selector);
          if (peer.pod_selector) pod_selectors.push_back(&*peer.pod_selector);
        }
      }
    }
  }
  cidrs.build();
  index.build_classes(namespace_selectors, pod_selectors);

  RuleBuilder rules(index, cidrs, block_of_peer);
  rules.build_groups();
  rules.build_rows();

  if (rules.groups.size() > kMaxGroups || index.namespace_count() >= (1u << kPairBits) ||
      index.ns_class_count() >= (1u << kPairBits) || index.pod_class_count() >= (1u << kPairBits)) {
    throw std::length_error(
        "policy too large for the table format: " + std::to_string(rules.groups.size()) +
        " groups, " + std::to_string(index.namespace_count()) + " namespaces, " +
        std::to_string(index.pod_class_count()) + " pod classes");
  }
  auto tables = pack_tables(index, cidrs, rules);
  tables->stats.ip_sets = index.resolved_sets() + cidrs.block_count();
  return tables;
}

}  // namespace podwall
