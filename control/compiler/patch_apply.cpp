#include "control/compiler/patch_apply.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

#include "control/compiler/cluster_index.h"
#include "control/compiler/table_packer.h"
#include "control/compiler/table_patch.h"

namespace podwall {

namespace {

// Garbage a patched generation may carry beyond twice the live size, per kind.
constexpr size_t kGarbageSlack = 4096;

// Pods leaving, arriving and moving, applied to the index and to the tables together.
class PodPatcher {
 public:
  PodPatcher(const Cluster& cluster, CompilerState& state, PolicyTables& t)
      : cluster_(cluster), state_(state), index_(state.index), t_(t) {}

  void leave(uint32_t was) {
    auto [first, last] = index_.erase_pod(was);
    for (uint32_t e = first; e < last; ++e) {
      const IpAddress& address = index_.endpoints()[e].address;
      erase_address(t_, address);
      --(address.is_v4() ? state_.live_v4 : state_.live_v6);
      t_.endpoint_pod[e] = kNoId;
    }
    shift_pods(was + 1, -1);
    t_.pod_names.erase(t_.pod_names.begin() + was);
  }

  void arrive(PodPlacement& arrival) {
    settle(arrival);
    const Pod& pod = cluster_.pods[arrival.pod];
    shift_pods(arrival.pod, +1);
    auto [first, last] = index_.insert_pod(arrival.pod, pod, arrival.identity);
    t_.pod_names.insert(t_.pod_names.begin() + arrival.pod, pod.namespace_name + "/" + pod.name);
    for (uint32_t e = first; e < last; ++e) {
      const IpAddress& address = index_.endpoints()[e].address;
      uint32_t cidr_class = state_.cidrs.class_of(address);
      t_.endpoints.push_back(endpoint_info(e, arrival.identity, cidr_class));
      t_.endpoint_pod.push_back(arrival.pod);
      insert_address(t_, address, e, arrival.identity, cidr_class);
      ++(address.is_v4() ? state_.live_v4 : state_.live_v6);
    }
  }

  void move(PodPlacement& move) {
    settle(move);
    index_.move_pod(move.pod, move.identity);
    auto [first, last] = index_.endpoints_of(move.pod);
    for (uint32_t e = first; e < last; ++e) {
      t_.endpoints[e] = endpoint_info(e, move.identity, t_.endpoints[e].cidr_class);
      set_address_identity(t_, index_.endpoints()[e].address, e, move.identity);
    }
  }

  std::vector<uint32_t> take_new_identities() { return std::move(new_identities_); }
  std::vector<uint32_t> take_new_groups() { return std::move(new_groups_); }

 private:
  // Gives the placement its identity: the one it was planned into, one an earlier pod of this
  // change made, or a new one.
  void settle(PodPlacement& placement) {
    if (placement.identity == kNoId) {
      // An identity made by an earlier pod of this change?
      std::string key;
      placement.identity = index_.find_identity(cluster_.pods[placement.pod], key);
    }
    if (placement.identity != kNoId) return;
    uint32_t ns = placement.record.namespace_id;
    placement.identity = index_.add_identity(std::move(placement.key), std::move(placement.record),
                                             placement.pod_class);
    std::array<uint32_t, 2> g{kNoId, kNoId};
    for (Direction dir : {Direction::ingress, Direction::egress}) {
      size_t before = state_.rules.groups.size();
      g[int(dir)] = state_.rules.find_or_add_group(placement.identity, dir);
      if (state_.rules.groups.size() > before) add_group_to_tables(g[int(dir)]);
    }
    state_.rules.identity_groups.push_back(g);
    t_.identities.push_back({{g[0], g[1]}, ns, index_.ns_class(ns), placement.pod_class, {}});
    new_identities_.push_back(placement.identity);
  }

  // A group made by this patch: its policies for explanations, and an empty filter of its
  // own (its rows and filter bits come with the touched groups' in patch_allow_map).
  void add_group_to_tables(uint32_t g) {
    const GroupRecord& group = state_.rules.groups[g];
    t_.groups.push_back({uint32_t(t_.group_policies.size()), uint32_t(group.policies.size())});
    t_.group_policies.insert(t_.group_policies.end(), group.policies.begin(), group.policies.end());
    t_.group_probes.push_back({uint32_t(t_.allow_filter.size()), 0, 0});
    t_.allow_filter.push_back(0);
    new_groups_.push_back(g);
  }

  EndpointInfo endpoint_info(uint32_t e, uint32_t identity, uint32_t cidr_class) const {
    const IdentityInfo& info = t_.identities[identity];
    return EndpointInfo{e,
                        identity,
                        {info.group[0], info.group[1]},
                        info.namespace_id,
                        info.ns_class,
                        info.pod_class,
                        cidr_class};
  }

  // Pod numbers in the tables follow the index's: shift those at or after `from` by `by`.
  void shift_pods(uint32_t from, int by) {
    for (uint32_t& pod : t_.endpoint_pod) {
      if (pod != kNoId && pod >= from) pod = uint32_t(int64_t(pod) + by);
    }
  }

  const Cluster& cluster_;
  CompilerState& state_;
  ClusterIndex& index_;
  PolicyTables& t_;
  std::vector<uint32_t> new_identities_;
  std::vector<uint32_t> new_groups_;
};

size_t count_keys(const std::vector<AllowRow>& rows) {
  size_t keys = 0;
  for (size_t i = 0; i < rows.size(); ++i) keys += i == 0 || rows[i].key != rows[i - 1].key;
  return keys;
}

// The groups the edited policies belong to, sorted; the policies get fresh rule references.
std::vector<uint32_t> touched_groups(RuleBuilder& rules, const std::vector<uint32_t>& edited) {
  std::vector<uint32_t> touched;
  for (uint32_t p : edited) {
    rules.renumber_rules(p);
    const auto& groups = rules.groups_of_policy(p);
    touched.insert(touched.end(), groups.begin(), groups.end());
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  return touched;
}

// Replaces the rows of the touched groups in `all` (sorted) by `incoming` (sorted), keeping
// key order; the keys of the rows replaced go to `gone`.
void replace_touched_rows(std::vector<AllowRow>& all, const std::vector<uint32_t>& touched,
                          const std::vector<AllowRow>& incoming, std::vector<uint64_t>& gone) {
  std::vector<AllowRow> merged;
  merged.reserve(all.size() + incoming.size());
  size_t in = 0;
  for (const AllowRow& row : all) {
    uint32_t g = uint32_t((row.key >> 40) - 1);
    bool leaves = std::binary_search(touched.begin(), touched.end(), g);
    if (leaves) {
      if (gone.empty() || gone.back() != row.key) gone.push_back(row.key);
      continue;
    }
    while (in < incoming.size() && incoming[in].key < row.key) merged.push_back(incoming[in++]);
    merged.push_back(row);
  }
  merged.insert(merged.end(), incoming.begin() + ptrdiff_t(in), incoming.end());
  all = std::move(merged);
}

// Puts in an allow-map slot for each key of `rows` (sorted).
void insert_allow_rows(PolicyTables& t, RuleBuilder& rules, const std::vector<AllowRow>& rows,
                       PortSpec& scratch) {
  for (size_t begin = 0; begin < rows.size();) {
    size_t end = begin + 1;
    while (end < rows.size() && rows[end].key == rows[begin].key) ++end;
    SlotProvenance why;
    AllowSlot slot = pack_allow_slot(rules, &rows[begin], &rows[end], scratch, t, why);
    insert_allow_slot(t, slot, why);
    begin = end;
  }
}

// Rebuilds the filter of each touched group from its fresh rows.
void rebuild_touched_filters(PolicyTables& t, const RowChanges& changes) {
  const std::vector<uint32_t>& touched = changes.touched;
  const std::vector<AllowRow>& fresh = changes.fresh;
  for (size_t i = 0, j = 0; i < touched.size(); ++i) {
    std::vector<uint64_t> keys;
    uint64_t first = PolicyTables::allow_key(touched[i], PeerKind::any_peer, 0);
    uint64_t last = PolicyTables::allow_key(touched[i] + 1, PeerKind::any_peer, 0);
    while (j < fresh.size() && fresh[j].key < first) ++j;
    for (; j < fresh.size() && fresh[j].key < last; ++j) {
      if (keys.empty() || keys.back() != fresh[j].key) keys.push_back(fresh[j].key);
    }
    rebuild_group_filter(t, touched[i], keys);
  }
}

}  // namespace

std::vector<uint32_t> apply_pod_changes(const Cluster& cluster, PatchPlan& plan,
                                        CompilerState& state, PolicyTables& t) {
  PodPatcher pods(cluster, state, t);
  // Removals from the last position down, so that the positions still to go stay valid.
  std::sort(plan.leaving.rbegin(), plan.leaving.rend());
  for (uint32_t was : plan.leaving) pods.leave(was);
  // Arrivals from the first position up, so that each lands where the changed cluster has it.
  std::sort(plan.arriving.begin(), plan.arriving.end(),
            [](const PodPlacement& a, const PodPlacement& b) { return a.pod < b.pod; });
  for (PodPlacement& arrival : plan.arriving) pods.arrive(arrival);
  // Moves name pods by their position in the changed cluster, which now holds.
  for (PodPlacement& move : plan.moves) pods.move(move);
  plan.new_groups = pods.take_new_groups();
  return pods.take_new_identities();
}

size_t RowChanges::entries_after(size_t entries_before) const {
  return entries_before - gone.size() + count_keys(fresh) + count_keys(added);
}

RowChanges merge_rebuilt_rows(RuleBuilder& rules, const std::vector<uint32_t>& edited,
                              const std::vector<uint32_t>& new_groups,
                              const std::vector<uint32_t>& new_identities) {
  RowChanges changes;
  changes.touched = touched_groups(rules, edited);
  // A new group is built whole, like a touched one (it has no rows to replace).
  changes.touched.insert(changes.touched.end(), new_groups.begin(), new_groups.end());
  std::sort(changes.touched.begin(), changes.touched.end());
  changes.touched.erase(std::unique(changes.touched.begin(), changes.touched.end()),
                        changes.touched.end());
  for (uint32_t g : changes.touched) {
    std::vector<AllowRow> rows = rules.rows_of_group(g);
    changes.fresh.insert(changes.fresh.end(), rows.begin(), rows.end());
  }
  for (uint32_t id : new_identities) {
    std::vector<AllowRow> rows = rules.identity_rows(id, changes.touched);
    changes.added.insert(changes.added.end(), rows.begin(), rows.end());
  }
  sort_rows(changes.fresh);
  sort_rows(changes.added);

  // The rows of the touched groups leave; fresh and added ones join, all in key order.
  std::vector<AllowRow> incoming;
  incoming.reserve(changes.fresh.size() + changes.added.size());
  std::merge(changes.fresh.begin(), changes.fresh.end(), changes.added.begin(), changes.added.end(),
             std::back_inserter(incoming),
             [](const AllowRow& a, const AllowRow& b) { return a.key < b.key; });
  replace_touched_rows(rules.rows, changes.touched, incoming, changes.gone);
  return changes;
}

void patch_allow_map(PolicyTables& t, RuleBuilder& rules, const RowChanges& changes) {
  for (uint64_t key : changes.gone) erase_allow_key(t, key);
  PortSpec scratch;
  insert_allow_rows(t, rules, changes.fresh, scratch);
  insert_allow_rows(t, rules, changes.added, scratch);
  rebuild_touched_filters(t, changes);
  for (const AllowRow& row : changes.added) add_to_group_filter(t, row.key);
}

void patch_ports_and_rule_refs(PolicyTables& t, const RuleBuilder& rules) {
  // Port sets interned by this patch, and the edited policies' new rule references.
  for (size_t s = t.port_sets.size(); s < rules.port_specs.size(); ++s) {
    const PortSpec& spec = rules.port_specs[s];
    t.port_sets.push_back(
        {uint32_t(t.port_ranges.size()), uint16_t(spec.ranges.size()), spec.all_protocols});
    t.port_ranges.insert(t.port_ranges.end(), spec.ranges.begin(), spec.ranges.end());
  }
  t.rule_refs = rules.rule_refs;
}

bool too_much_garbage(const PolicyTables& t, const CompilerState& state) {
  // Patches leave garbage behind: provenance and rule references nothing points to, filters
  // that moved, identities whose pods all left. Past twice what a compile would make, compact
  // by compiling in full, so that memory stays bounded however long the daemon runs.
  size_t live_identities = 0;
  for (const IdentityRecord& identity : state.index.identities())
    live_identities += !identity.pods.empty();
  return t.provenance.size() > 2 * state.rules.rows.size() + kGarbageSlack ||
         t.allow_filter.size() > 2 * state.compiled_filter_words + kGarbageSlack ||
         t.rule_refs.size() > 2 * state.compiled_rule_refs + kGarbageSlack ||
         t.identities.size() > 2 * live_identities + kGarbageSlack ||
         t.endpoints.size() > 2 * (state.live_v4 + state.live_v6) + kGarbageSlack;
}

void set_patched_stats(PolicyTables& t, const Cluster& cluster, const CompilerState& state,
                       size_t allow_entries) {
  t.stats.pods = cluster.pods.size();
  t.stats.endpoints = state.live_v4 + state.live_v6;
  t.stats.identities = t.identities.size();
  t.stats.allow_entries = allow_entries;
  t.stats.ip_sets = state.index.resolved_sets() + state.cidrs.block_count();
  t.stats.bytes = t.bytes();
}

}  // namespace podwall
