#include "control/compiler/policy_compiler.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "control/compiler/cidr_classes.h"
#include "control/compiler/cluster_index.h"
#include "control/compiler/rule_builder.h"
#include "control/compiler/table_packer.h"
#include "control/compiler/table_patch.h"
#include "dataplane/policy/hashing.h"

namespace podwall {

// What a full compile leaves behind for the patches after it.
class CompilerState {
 public:
  explicit CompilerState(const Cluster& cluster) : index(cluster), rules(index, cidrs) {}
  ClusterIndex index;
  CidrClasses cidrs;
  RuleBuilder rules;
  // Sizes the last full compile made, against which patches' garbage is measured.
  size_t compiled_filter_words = 0;
  size_t compiled_rule_refs = 0;
  // Pod addresses in the tables now.
  size_t live_v4 = 0;
  size_t live_v6 = 0;
};

namespace {

// Garbage a patched generation may carry beyond twice the live size, per kind.
constexpr size_t kGarbageSlack = 4096;
// Pods arriving or leaving in one change past which a full compile is simpler: each one
// renumbers the pods after it.
constexpr size_t kMaxPodArrivals = 64;

void check_limits(const ClusterIndex& index, const RuleBuilder& rules) {
  if (rules.groups.size() > kMaxGroups || index.namespace_count() >= (1u << kPairBits) ||
      index.ns_class_count() >= (1u << kPairBits) || index.pod_class_count() >= (1u << kPairBits)) {
    throw std::length_error(
        "policy too large for the table format: " + std::to_string(rules.groups.size()) +
        " groups, " + std::to_string(index.namespace_count()) + " namespaces, " +
        std::to_string(index.pod_class_count()) + " pod classes");
  }
}

template <class Object>
uint32_t find_object(const std::vector<Object>& objects, const ObjectKey& key) {
  auto it = std::lower_bound(
      objects.begin(), objects.end(), key, [](const Object& o, const ObjectKey& k) {
        return std::tie(o.namespace_name, o.name) < std::tie(k.namespace_name, k.name);
      });
  if (it == objects.end() || it->namespace_name != key.namespace_name || it->name != key.name) {
    return kNoId;
  }
  return uint32_t(it - objects.begin());
}

// Would this policy's peers cut the namespaces, pods or addresses differently from the
// classes the last full compile made? (Peers it no longer has only leave classes finer than
// needed, which is harmless.)
bool peers_fit_classes(const NetworkPolicy& policy, const ClusterIndex& index,
                       const CidrClasses& cidrs) {
  for (const auto* rules : {&policy.ingress, &policy.egress}) {
    for (const auto& rule : *rules) {
      for (const auto& peer : rule.peers) {
        if (peer.ip_block && cidrs.find_block(*peer.ip_block) == kNoId) return false;
        if (peer.namespace_selector && !index.cuts_namespace_classes(*peer.namespace_selector)) {
          return false;
        }
        if (!peer.pod_selector) continue;
        for (const auto& [key, value] : peer.pod_selector->match_labels) {
          if (!index.cuts_pod_classes(key)) return false;
        }
        for (const auto& req : peer.pod_selector->match_expressions) {
          if (!index.cuts_pod_classes(req.key)) return false;
        }
      }
    }
  }
  return true;
}

bool same_named_ports(const IdentityRecord& a, const IdentityRecord& b) {
  if (a.named_ports.size() != b.named_ports.size()) return false;
  for (size_t i = 0; i < a.named_ports.size(); ++i) {
    const ContainerPort& x = a.named_ports[i];
    const ContainerPort& y = b.named_ports[i];
    if (x.name != y.name || x.port != y.port || x.protocol != y.protocol) return false;
  }
  return true;
}

// A changed pod, planned before anything is modified.
// A pod that changed or arrived, placed before anything is modified.
struct PodPlacement {
  uint32_t pod = kNoId;       // its position in the changed cluster
  uint32_t identity = kNoId;  // kNoId: a new one, from `record`
  std::string key;
  IdentityRecord record;
  uint32_t pod_class = kNoId;
  std::array<uint32_t, 2> groups{kNoId, kNoId};
};

bool key_less(const ObjectKey& a, const ObjectKey& b) {
  return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
}

template <class Object>
bool object_before(const Object& o, const ObjectKey& k) {
  return std::tie(o.namespace_name, o.name) < std::tie(k.namespace_name, k.name);
}

// Address tables, like the allow map, stay at most three quarters full between compiles.
size_t address_capacity(size_t slots) {
  return slots / 4 * 3;
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
  if (delta.everything) return full("the change is not known object by object");
  if (!delta.policies_added.empty() || !delta.policies_removed.empty()) {
    return full("policies were added or removed");
  }
  if (delta.pods_added.size() + delta.pods_removed.size() > kMaxPodArrivals) {
    return full("many pods were added or removed");
  }
  ClusterIndex& index = state_->index;
  RuleBuilder& rules = state_->rules;
  // (The cluster the index was built on may be gone: compare with what the index kept.)
  if (cluster.pods.size() + delta.pods_removed.size() !=
          index.pod_count() + delta.pods_added.size() ||
      cluster.policies.size() != rules.policy_count() ||
      cluster.namespaces.size() != index.namespace_count()) {
    return full("the cluster does not line up with the last compile");
  }
  const bool arrivals = !delta.pods_added.empty() || !delta.pods_removed.empty();
  // Rows naming endpoints (egress named ports over ipBlocks) would need their own patching.
  if (arrivals && rules.has_named_egress()) {
    return full("pods were added or removed under egress named-port rules");
  }
  index.rebind(cluster);
  rules.rebind();

  // Plan: everything that can send us to a full compile is checked before anything changes.
  std::vector<uint32_t> edited;
  for (const ObjectKey& key : delta.policies_changed) {
    uint32_t p = find_object(cluster.policies, key);
    if (p == kNoId) return full("a changed policy is not in the cluster");
    const NetworkPolicy& policy = cluster.policies[p];
    if (selection_of(policy) != rules.selection(p)) {
      return full("a policy's podSelector or policyTypes changed");
    }
    if (!peers_fit_classes(policy, index, state_->cidrs)) {
      return full("a policy names peers the classes were not cut for");
    }
    edited.push_back(p);
  }

  // Pods are numbered by position in the sorted cluster. Where a pod sat before the change:
  // its position now, less the pods that arrived before it, plus those that left.
  std::vector<ObjectKey> added_keys = delta.pods_added, removed_keys = delta.pods_removed;
  std::sort(added_keys.begin(), added_keys.end(), key_less);
  std::sort(removed_keys.begin(), removed_keys.end(), key_less);
  auto count_before = [](const std::vector<ObjectKey>& keys, const ObjectKey& key) {
    return uint32_t(std::lower_bound(keys.begin(), keys.end(), key, key_less) - keys.begin());
  };
  auto old_position = [&](uint32_t now, const ObjectKey& key) {
    return now - count_before(added_keys, key) + count_before(removed_keys, key);
  };

  // Where a changed or arriving pod goes: an identity it shares, or a new one whose pod
  // class and groups already exist. nullptr, or why only a full compile will do.
  auto place = [&](const Pod& pod, PodPlacement& placement) -> const char* {
    placement.record = index.identity_record(pod);
    placement.identity = index.find_identity(pod, placement.key);
    if (placement.identity != kNoId) return nullptr;
    placement.pod_class = index.find_pod_class(pod.labels);
    if (placement.pod_class == kNoId ||
        !index.namespace_has_pod_class(placement.record.namespace_id, placement.pod_class)) {
      return "a pod's labels make a new pod class in its namespace";
    }
    for (Direction dir : {Direction::ingress, Direction::egress}) {
      bool missing = false;
      placement.groups[int(dir)] = rules.existing_group(placement.record, dir, missing);
      if (missing) return "a pod's labels make a new group of policies";
    }
    return nullptr;
  };

  std::vector<PodPlacement> moves, arriving;
  std::vector<uint32_t> leaving;  // old positions
  size_t v4_change = 0, v6_change = 0;
  for (const ObjectKey& key : delta.pods_changed) {
    uint32_t p = find_object(cluster.pods, key);
    if (p == kNoId) return full("a changed pod is not in the cluster");
    const Pod& pod = cluster.pods[p];
    uint32_t was = old_position(p, key);
    uint32_t old_identity = index.pod_identity(was);
    if (old_identity == kNoId) return full("a changed pod had no identity");
    auto [first, last] = index.endpoints_of(was);
    if (last - first != pod.addresses.size()) return full("a pod's addresses changed");
    for (uint32_t e = first; e < last; ++e) {
      if (!(index.endpoints()[e].address == pod.addresses[e - first])) {
        return full("a pod's addresses changed");
      }
    }
    PodPlacement move;
    move.pod = p;
    if (const char* why = place(pod, move)) return full(why);
    // Rows naming endpoints carry their pod's named ports (egress named ports over ipBlocks).
    if (rules.has_named_egress() &&
        !same_named_ports(move.record, index.identities()[old_identity])) {
      return full("a pod's named ports changed under egress named-port rules");
    }
    moves.push_back(std::move(move));
  }
  for (const ObjectKey& key : removed_keys) {
    uint32_t was = old_position(uint32_t(std::lower_bound(cluster.pods.begin(), cluster.pods.end(),
                                                          key, object_before<Pod>) -
                                         cluster.pods.begin()),
                                key);
    if (was >= index.pod_count()) return full("a removed pod was not in the last compile");
    auto [first, last] = index.endpoints_of(was);
    for (uint32_t e = first; e < last; ++e)
      --(index.endpoints()[e].address.is_v4() ? v4_change : v6_change);
    leaving.push_back(was);
  }
  for (const ObjectKey& key : added_keys) {
    uint32_t p = find_object(cluster.pods, key);
    if (p == kNoId) return full("an added pod is not in the cluster");
    const Pod& pod = cluster.pods[p];
    if (index.namespace_id(pod.namespace_name) == kNoId) return full("a pod in a new namespace");
    PodPlacement arrival;
    arrival.pod = p;
    if (const char* why = place(pod, arrival)) return full(why);
    for (const IpAddress& a : pod.addresses) ++(a.is_v4() ? v4_change : v6_change);
    arriving.push_back(std::move(arrival));
  }
  // (The counts wrap below zero for departures; the sums are what matter.)
  if (state_->live_v4 + v4_change > address_capacity(previous.v4_endpoints.size()) ||
      state_->live_v6 + v6_change > address_capacity(previous.v6_endpoints.size())) {
    return full("the address table would be too full");
  }

  // Apply to the retained state and to a copy of the previous tables. From here on a failure
  // means a full compile, which rebuilds that state from the cluster.
  auto t = std::make_unique<PolicyTables>(previous);
  std::vector<uint32_t> new_identities;
  auto settle = [&](PodPlacement& placement) {
    if (placement.identity == kNoId) {
      // An identity made by an earlier pod of this change?
      std::string key;
      placement.identity = index.find_identity(cluster.pods[placement.pod], key);
    }
    if (placement.identity != kNoId) return;
    uint32_t ns = placement.record.namespace_id;
    placement.identity = index.add_identity(std::move(placement.key), std::move(placement.record),
                                            placement.pod_class);
    rules.identity_groups.push_back(placement.groups);
    const auto& g = placement.groups;
    t->identities.push_back({{g[0], g[1]}, ns, index.ns_class(ns), placement.pod_class});
    new_identities.push_back(placement.identity);
  };
  auto endpoint_info = [&](uint32_t e, uint32_t identity, uint32_t cidr_class) {
    const IdentityInfo& info = t->identities[identity];
    return EndpointInfo{e,
                        identity,
                        {info.group[0], info.group[1]},
                        info.namespace_id,
                        info.ns_class,
                        info.pod_class,
                        cidr_class};
  };
  // Pod numbers in the tables follow the index's: shift those at or after `from` by `by`.
  auto shift_pods = [&](uint32_t from, int by) {
    for (uint32_t& pod : t->endpoint_pod) {
      if (pod != kNoId && pod >= from) pod = uint32_t(int64_t(pod) + by);
    }
  };

  std::sort(leaving.rbegin(), leaving.rend());
  for (uint32_t was : leaving) {
    auto [first, last] = index.erase_pod(was);
    for (uint32_t e = first; e < last; ++e) {
      const IpAddress& address = index.endpoints()[e].address;
      erase_address(*t, address);
      --(address.is_v4() ? state_->live_v4 : state_->live_v6);
      t->endpoint_pod[e] = kNoId;
    }
    shift_pods(was + 1, -1);
    t->pod_names.erase(t->pod_names.begin() + was);
  }
  std::sort(arriving.begin(), arriving.end(),
            [](const PodPlacement& a, const PodPlacement& b) { return a.pod < b.pod; });
  for (PodPlacement& arrival : arriving) {
    settle(arrival);
    const Pod& pod = cluster.pods[arrival.pod];
    shift_pods(arrival.pod, +1);
    auto [first, last] = index.insert_pod(arrival.pod, pod, arrival.identity);
    t->pod_names.insert(t->pod_names.begin() + arrival.pod, pod.namespace_name + "/" + pod.name);
    for (uint32_t e = first; e < last; ++e) {
      const IpAddress& address = index.endpoints()[e].address;
      uint32_t cidr_class = state_->cidrs.class_of(address);
      t->endpoints.push_back(endpoint_info(e, arrival.identity, cidr_class));
      t->endpoint_pod.push_back(arrival.pod);
      insert_address(*t, address, e, arrival.identity, cidr_class);
      ++(address.is_v4() ? state_->live_v4 : state_->live_v6);
    }
  }
  for (PodPlacement& move : moves) {
    settle(move);
    index.move_pod(move.pod, move.identity);
    auto [first, last] = index.endpoints_of(move.pod);
    for (uint32_t e = first; e < last; ++e) {
      t->endpoints[e] = endpoint_info(e, move.identity, t->endpoints[e].cidr_class);
      set_address_identity(*t, index.endpoints()[e].address, e, move.identity);
    }
  }

  std::vector<uint32_t> touched;
  for (uint32_t p : edited) {
    rules.renumber_rules(p);
    const auto& groups = rules.groups_of_policy(p);
    touched.insert(touched.end(), groups.begin(), groups.end());
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());

  std::vector<AllowRow> fresh;  // rows of the touched groups, whole
  for (uint32_t g : touched) {
    std::vector<AllowRow> rows = rules.rows_of_group(g);
    fresh.insert(fresh.end(), rows.begin(), rows.end());
  }
  std::vector<AllowRow> added;  // rows naming a new identity, in groups not touched
  for (uint32_t id : new_identities) {
    std::vector<AllowRow> rows = rules.identity_rows(id, touched);
    added.insert(added.end(), rows.begin(), rows.end());
  }
  sort_rows(fresh);
  sort_rows(added);

  // The rows of the touched groups leave; fresh and added ones join, all in key order.
  std::vector<AllowRow>& all = rules.rows;
  std::vector<uint64_t> gone;
  std::vector<AllowRow> merged;
  merged.reserve(all.size() + fresh.size() + added.size());
  {
    std::vector<AllowRow> incoming;
    incoming.reserve(fresh.size() + added.size());
    std::merge(fresh.begin(), fresh.end(), added.begin(), added.end(), std::back_inserter(incoming),
               [](const AllowRow& a, const AllowRow& b) { return a.key < b.key; });
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
  }
  all = std::move(merged);

  auto count_keys = [](const std::vector<AllowRow>& rows) {
    size_t keys = 0;
    for (size_t i = 0; i < rows.size(); ++i) keys += i == 0 || rows[i].key != rows[i - 1].key;
    return keys;
  };
  size_t entries =
      previous.stats.allow_entries - gone.size() + count_keys(fresh) + count_keys(added);
  if (entries > allow_map_capacity(previous)) {
    t.reset();
    return full("the allow map would be too full");
  }
  check_limits(index, rules);

  for (uint64_t key : gone) erase_allow_key(*t, key);
  PortSpec scratch;
  auto insert_rows = [&](const std::vector<AllowRow>& rows) {
    for (size_t begin = 0; begin < rows.size();) {
      size_t end = begin + 1;
      while (end < rows.size() && rows[end].key == rows[begin].key) ++end;
      SlotProvenance why;
      AllowSlot slot = pack_allow_slot(rules, &rows[begin], &rows[end], scratch, *t, why);
      insert_allow_slot(*t, slot, why);
      begin = end;
    }
  };
  insert_rows(fresh);
  insert_rows(added);
  for (size_t i = 0, j = 0; i < touched.size(); ++i) {
    std::vector<uint64_t> keys;
    uint64_t first = PolicyTables::allow_key(touched[i], PeerKind::any_peer, 0);
    uint64_t last = PolicyTables::allow_key(touched[i] + 1, PeerKind::any_peer, 0);
    while (j < fresh.size() && fresh[j].key < first) ++j;
    for (; j < fresh.size() && fresh[j].key < last; ++j) {
      if (keys.empty() || keys.back() != fresh[j].key) keys.push_back(fresh[j].key);
    }
    rebuild_group_filter(*t, touched[i], keys);
  }
  for (const AllowRow& row : added) add_to_group_filter(*t, row.key);

  // Port sets interned by this patch, and the edited policies' new rule references.
  for (size_t s = t->port_sets.size(); s < rules.port_specs.size(); ++s) {
    const PortSpec& spec = rules.port_specs[s];
    t->port_sets.push_back(
        {uint32_t(t->port_ranges.size()), uint16_t(spec.ranges.size()), spec.all_protocols});
    t->port_ranges.insert(t->port_ranges.end(), spec.ranges.begin(), spec.ranges.end());
  }
  t->rule_refs = rules.rule_refs;

  // Patches leave garbage behind: provenance and rule references nothing points to, filters
  // that moved, identities whose pods all left. Past twice what a compile would make, compact
  // by compiling in full, so that memory stays bounded however long the daemon runs.
  size_t live_identities = 0;
  for (const IdentityRecord& identity : index.identities())
    live_identities += !identity.pods.empty();
  if (t->provenance.size() > 2 * all.size() + kGarbageSlack ||
      t->allow_filter.size() > 2 * state_->compiled_filter_words + kGarbageSlack ||
      t->rule_refs.size() > 2 * state_->compiled_rule_refs + kGarbageSlack ||
      t->identities.size() > 2 * live_identities + kGarbageSlack ||
      t->endpoints.size() > 2 * (state_->live_v4 + state_->live_v6) + kGarbageSlack) {
    t.reset();
    return full("compacting what earlier patches left behind");
  }

  t->stats.pods = cluster.pods.size();
  t->stats.endpoints = state_->live_v4 + state_->live_v6;
  t->stats.identities = t->identities.size();
  t->stats.allow_entries = entries;
  t->stats.ip_sets = index.resolved_sets() + state_->cidrs.block_count();
  t->stats.bytes = t->bytes();
  last_was_patch_ = true;
  last_full_reason_ = "";
  return t;
}

}  // namespace podwall
