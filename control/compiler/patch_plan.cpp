#include "control/compiler/patch_plan.h"

#include <algorithm>
#include <tuple>

#include "control/compiler/cidr_classes.h"
#include "control/compiler/rule_builder.h"

namespace podwall {

namespace {

// Pods arriving or leaving in one change past which a full compile is simpler: each one
// renumbers the pods after it.
constexpr size_t kMaxPodArrivals = 64;

template <class Object>
bool object_before(const Object& o, const ObjectKey& k) {
  return std::tie(o.namespace_name, o.name) < std::tie(k.namespace_name, k.name);
}

bool key_less(const ObjectKey& a, const ObjectKey& b) {
  return object_before(a, b);
}

template <class Object>
uint32_t find_object(const std::vector<Object>& objects, const ObjectKey& key) {
  auto it = std::lower_bound(objects.begin(), objects.end(), key, object_before<Object>);
  if (it == objects.end() || it->namespace_name != key.namespace_name || it->name != key.name) {
    return kNoId;
  }
  return uint32_t(it - objects.begin());
}

std::vector<ObjectKey> sorted_keys(std::vector<ObjectKey> keys) {
  std::sort(keys.begin(), keys.end(), key_less);
  return keys;
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

// Does the pod at old position `was` have exactly the addresses `pod` has now?
bool same_addresses(const ClusterIndex& index, uint32_t was, const Pod& pod) {
  auto [first, last] = index.endpoints_of(was);
  if (last - first != pod.addresses.size()) return false;
  for (uint32_t e = first; e < last; ++e) {
    if (!(index.endpoints()[e].address == pod.addresses[e - first])) return false;
  }
  return true;
}

// Address tables, like the allow map, stay at most three quarters full between compiles.
size_t address_capacity(size_t slots) {
  return slots / 4 * 3;
}

// Pods are numbered by position in the sorted cluster. Where a pod sat before the change:
// its position now, less the pods that arrived before it, plus those that left.
class OldPositions {
 public:
  // Both sorted by key_less.
  OldPositions(const std::vector<ObjectKey>& added, const std::vector<ObjectKey>& removed)
      : added_(added), removed_(removed) {}
  uint32_t of(uint32_t now, const ObjectKey& key) const {
    return now - count_before(added_, key) + count_before(removed_, key);
  }

 private:
  static uint32_t count_before(const std::vector<ObjectKey>& keys, const ObjectKey& key) {
    return uint32_t(std::lower_bound(keys.begin(), keys.end(), key, key_less) - keys.begin());
  }
  const std::vector<ObjectKey>& added_;
  const std::vector<ObjectKey>& removed_;
};

// Policies whose rules changed, each of which must keep its groups and the classes.
const char* plan_policy_edits(const Cluster& cluster, const std::vector<ObjectKey>& changed,
                              const CompilerState& state, std::vector<uint32_t>& edited) {
  for (const ObjectKey& key : changed) {
    uint32_t p = find_object(cluster.policies, key);
    if (p == kNoId) return "a changed policy is not in the cluster";
    const NetworkPolicy& policy = cluster.policies[p];
    if (selection_of(policy) != state.rules.selection(p)) {
      return "a policy's podSelector or policyTypes changed";
    }
    if (!peers_fit_classes(policy, state.index, state.cidrs)) {
      return "a policy names peers the classes were not cut for";
    }
    edited.push_back(p);
  }
  return nullptr;
}

// Where a changed or arriving pod goes: an identity it shares, or a new one whose pod
// class its namespace already has. nullptr, or why only a full compile will do.
const char* place(const Pod& pod, const CompilerState& state, PodPlacement& placement) {
  const ClusterIndex& index = state.index;
  placement.record = index.identity_record(pod);
  placement.identity = index.find_identity(pod, placement.key);
  if (placement.identity != kNoId) return nullptr;
  placement.pod_class = index.find_pod_class(pod.labels);
  if (placement.pod_class == kNoId ||
      !index.namespace_has_pod_class(placement.record.namespace_id, placement.pod_class)) {
    return "a pod's labels make a new pod class in its namespace";
  }
  // The groups it needs come when the identity is made (patch_apply.cpp): a group that does
  // not exist yet is new rows for one group, not a reason to compile everything.
  return nullptr;
}

// Pods whose labels or ports changed, keeping their addresses.
const char* plan_pod_changes(const Cluster& cluster, const std::vector<ObjectKey>& changed,
                             const CompilerState& state, const OldPositions& old_positions,
                             std::vector<PodPlacement>& moves) {
  const ClusterIndex& index = state.index;
  for (const ObjectKey& key : changed) {
    uint32_t p = find_object(cluster.pods, key);
    if (p == kNoId) return "a changed pod is not in the cluster";
    const Pod& pod = cluster.pods[p];
    uint32_t was = old_positions.of(p, key);
    uint32_t old_identity = index.pod_identity(was);
    if (old_identity == kNoId) return "a changed pod had no identity";
    if (!same_addresses(index, was, pod)) return "a pod's addresses changed";
    PodPlacement move;
    move.pod = p;
    if (const char* why = place(pod, state, move)) return why;
    // Rows naming endpoints carry their pod's named ports (egress named ports over ipBlocks).
    if (state.rules.has_named_egress() &&
        !same_named_ports(move.record, index.identities()[old_identity])) {
      return "a pod's named ports changed under egress named-port rules";
    }
    moves.push_back(std::move(move));
  }
  return nullptr;
}

// Pods removed (`removed` sorted): their old positions, and the addresses they take along.
const char* plan_pod_removals(const Cluster& cluster, const std::vector<ObjectKey>& removed,
                              const ClusterIndex& index, const OldPositions& old_positions,
                              PatchPlan& plan) {
  for (const ObjectKey& key : removed) {
    auto now = std::lower_bound(cluster.pods.begin(), cluster.pods.end(), key, object_before<Pod>);
    uint32_t was = old_positions.of(uint32_t(now - cluster.pods.begin()), key);
    if (was >= index.pod_count()) return "a removed pod was not in the last compile";
    auto [first, last] = index.endpoints_of(was);
    for (uint32_t e = first; e < last; ++e)
      --(index.endpoints()[e].address.is_v4() ? plan.v4_change : plan.v6_change);
    plan.leaving.push_back(was);
  }
  return nullptr;
}

// Pods added (`added` sorted): where each goes, and the addresses they bring.
const char* plan_pod_arrivals(const Cluster& cluster, const std::vector<ObjectKey>& added,
                              const CompilerState& state, PatchPlan& plan) {
  for (const ObjectKey& key : added) {
    uint32_t p = find_object(cluster.pods, key);
    if (p == kNoId) return "an added pod is not in the cluster";
    const Pod& pod = cluster.pods[p];
    if (state.index.namespace_id(pod.namespace_name) == kNoId) return "a pod in a new namespace";
    PodPlacement arrival;
    arrival.pod = p;
    if (const char* why = place(pod, state, arrival)) return why;
    for (const IpAddress& a : pod.addresses) ++(a.is_v4() ? plan.v4_change : plan.v6_change);
    plan.arriving.push_back(std::move(arrival));
  }
  return nullptr;
}

}  // namespace

const char* unpatchable_change(const Cluster& cluster, const ClusterDelta& delta,
                               const CompilerState& state) {
  if (delta.everything) return "the change is not known object by object";
  if (!delta.policies_added.empty() || !delta.policies_removed.empty()) {
    return "policies were added or removed";
  }
  if (delta.pods_added.size() + delta.pods_removed.size() > kMaxPodArrivals) {
    return "many pods were added or removed";
  }
  // (The cluster the index was built on may be gone: compare with what the index kept.)
  if (cluster.pods.size() + delta.pods_removed.size() !=
          state.index.pod_count() + delta.pods_added.size() ||
      cluster.policies.size() != state.rules.policy_count() ||
      cluster.namespaces.size() != state.index.namespace_count()) {
    return "the cluster does not line up with the last compile";
  }
  const bool arrivals = !delta.pods_added.empty() || !delta.pods_removed.empty();
  // Rows naming endpoints (egress named ports over ipBlocks) would need their own patching.
  if (arrivals && state.rules.has_named_egress()) {
    return "pods were added or removed under egress named-port rules";
  }
  return nullptr;
}

const char* plan_patch(const Cluster& cluster, const ClusterDelta& delta,
                       const CompilerState& state, const PolicyTables& previous, PatchPlan& plan) {
  if (const char* why = plan_policy_edits(cluster, delta.policies_changed, state, plan.edited)) {
    return why;
  }
  const std::vector<ObjectKey> added = sorted_keys(delta.pods_added);
  const std::vector<ObjectKey> removed = sorted_keys(delta.pods_removed);
  const OldPositions old_positions(added, removed);
  if (const char* why =
          plan_pod_changes(cluster, delta.pods_changed, state, old_positions, plan.moves)) {
    return why;
  }
  if (const char* why = plan_pod_removals(cluster, removed, state.index, old_positions, plan)) {
    return why;
  }
  if (const char* why = plan_pod_arrivals(cluster, added, state, plan)) return why;
  if (state.live_v4 + plan.v4_change > address_capacity(previous.v4_endpoints.size()) ||
      state.live_v6 + plan.v6_change > address_capacity(previous.v6_endpoints.size())) {
    return "the address table would be too full";
  }
  return nullptr;
}

}  // namespace podwall
