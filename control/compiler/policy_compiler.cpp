#include "control/compiler/policy_compiler.h"

#include <stdexcept>
#include <string>

#include "control/compiler/cidr_classes.h"
#include "control/compiler/cluster_index.h"
#include "control/compiler/compiler_state.h"
#include "control/compiler/patch_apply.h"
#include "control/compiler/patch_plan.h"
#include "control/compiler/rule_builder.h"
#include "control/compiler/table_packer.h"
#include "control/compiler/table_patch.h"
#include "dataplane/policy/hashing.h"

namespace podwall {

namespace {

void check_limits(const ClusterIndex& index, const RuleBuilder& rules) {
  if (rules.groups.size() > kMaxGroups || index.namespace_count() >= (1u << kPairBits) ||
      index.ns_class_count() >= (1u << kPairBits) || index.pod_class_count() >= (1u << kPairBits)) {
    throw std::length_error(
        "policy too large for the table format: " + std::to_string(rules.groups.size()) +
        " groups, " + std::to_string(index.namespace_count()) + " namespaces, " +
        std::to_string(index.pod_class_count()) + " pod classes");
  }
}

}  // namespace

PolicyCompiler::PolicyCompiler() = default;
PolicyCompiler::~PolicyCompiler() = default;

std::unique_ptr<PolicyTables> PolicyCompiler::compile(const Cluster& cluster) {
  state_.reset();
  auto state = std::make_unique<CompilerState>(cluster);
  ClusterIndex& index = state->index;
  CidrClasses& cidrs = state->cidrs;
  RuleBuilder& rules = state->rules;

  std::vector<const LabelSelector*> namespace_selectors, pod_selectors;
  for (const auto& policy : cluster.policies) {
    for (const auto* section : {&policy.ingress, &policy.egress}) {
      for (const auto& rule : *section) {
        for (const auto& peer : rule.peers) {
          if (peer.ip_block) cidrs.add_block(*peer.ip_block);
          if (peer.namespace_selector) namespace_selectors.push_back(&*peer.namespace_selector);
          if (peer.pod_selector) pod_selectors.push_back(&*peer.pod_selector);
        }
      }
    }
  }
  cidrs.build();
  index.build_classes(namespace_selectors, pod_selectors);
  rules.build_groups();
  rules.build_rows();
  check_limits(index, rules);

  auto tables = pack_tables(index, cidrs, rules);
  tables->stats.ip_sets = index.resolved_sets() + cidrs.block_count();
  state->compiled_filter_words = tables->allow_filter.size();
  state->compiled_rule_refs = tables->rule_refs.size();
  for (const EndpointRecord& e : index.endpoints())
    ++(e.address.is_v4() ? state->live_v4 : state->live_v6);
  state_ = std::move(state);
  last_was_patch_ = false;
  last_full_reason_ = "a full compile was asked for";
  return tables;
}

std::unique_ptr<PolicyTables> PolicyCompiler::update(const Cluster& cluster,
                                                     const ClusterDelta& delta,
                                                     const PolicyTables& previous) {
  try {
    return patch(cluster, delta, previous);
  } catch (...) {
    state_.reset();  // possibly half-patched: the next call starts over
    throw;
  }
}

std::unique_ptr<PolicyTables> PolicyCompiler::patch(const Cluster& cluster,
                                                    const ClusterDelta& delta,
                                                    const PolicyTables& previous) {
  auto full = [&](const char* why) {
    auto tables = compile(cluster);
    last_full_reason_ = why;
    return tables;
  };
  if (!state_) return full("no earlier compile to patch");
  if (const char* why = unpatchable_change(cluster, delta, *state_)) return full(why);
  state_->index.rebind(cluster);
  state_->rules.rebind();

  // Plan: everything that can send us to a full compile is checked before anything changes.
  PatchPlan plan;
  if (const char* why = plan_patch(cluster, delta, *state_, previous, plan)) return full(why);

  // Apply to the retained state and to a copy of the previous tables. From here on a failure
  // means a full compile, which rebuilds that state from the cluster.
  auto t = std::make_unique<PolicyTables>(previous);
  std::vector<uint32_t> new_identities = apply_pod_changes(cluster, plan, *state_, *t);
  RowChanges rows = merge_rebuilt_rows(state_->rules, plan.edited, plan.new_groups, new_identities);
  size_t entries = rows.entries_after(previous.stats.allow_entries);
  if (entries > allow_map_capacity(previous)) {
    t.reset();
    return full("the allow map would be too full");
  }
  check_limits(state_->index, state_->rules);
  patch_allow_map(*t, state_->rules, rows);
  copy_probes_to_identities(*t);
  patch_ports_and_rule_refs(*t, state_->rules);
  if (too_much_garbage(*t, *state_)) {
    t.reset();
    return full("compacting what earlier patches left behind");
  }

  set_patched_stats(*t, cluster, *state_, entries);
  last_was_patch_ = true;
  last_full_reason_ = "";
  return t;
}

}  // namespace podwall
