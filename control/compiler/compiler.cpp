#include "control/compiler/compiler.h"

#include "control/compiler/cidr_classes.h"
#include "control/compiler/cluster_index.h"
#include "control/compiler/rule_builder.h"
#include "control/compiler/table_packer.h"

namespace podwall {

std::unique_ptr<PolicyTables> compile_policy(const Cluster& cluster) {
  ClusterIndex index(cluster);

  CidrClasses cidrs;
  std::unordered_map<const PolicyPeer*, uint32_t> block_of_peer;
  for (const auto& policy : cluster.policies) {
    for (const auto* rules : {&policy.ingress, &policy.egress}) {
      for (const auto& rule : *rules) {
        for (const auto& peer : rule.peers) {
          if (peer.ip_block) block_of_peer.emplace(&peer, cidrs.add_block(*peer.ip_block));
        }
      }
    }
  }
  cidrs.build();

  RuleBuilder rules(index, cidrs, block_of_peer);
  rules.build_groups();
  rules.build_rows();

  auto tables = pack_tables(index, cidrs, rules);
  tables->stats.ip_sets = index.resolved_sets() + cidrs.block_count();
  return tables;
}

}  // namespace podwall
