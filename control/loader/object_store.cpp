#include "control/loader/object_store.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

namespace podwall {
namespace {

using MergeKey = std::tuple<std::string, std::string, std::string>;  // kind, namespace, name

std::string describe_object(const MergeKey& key) {
  const auto& [kind, ns, name] = key;
  return kind + " " + (ns.empty() ? name : ns + "/" + name);
}

// Keeps the first definition of each object in path order and reports the others.
class Merger {
 public:
  explicit Merger(std::vector<Diagnostic>& errors) : errors_(errors) {}

  bool admit(const MergeKey& key, const SourcePos& pos) {
    auto [it, inserted] = first_.emplace(key, pos);
    if (inserted) return true;
    errors_.push_back(Diagnostic{Diagnostic::Severity::error, pos, "metadata.name",
                                 describe_object(key) + " is already defined at " +
                                     it->second.to_string() + "; this definition is ignored"});
    return false;
  }

 private:
  std::vector<Diagnostic>& errors_;
  std::map<MergeKey, SourcePos> first_;
};

// Two pods with one address would make the address's identity ambiguous. The first pod in path
// order keeps it; the later pod loses that address (its other family, if any, stays).
void claim_addresses(std::vector<Pod>& pods, std::vector<Diagnostic>& errors) {
  std::map<IpAddress, const Pod*> owner;
  for (Pod& pod : pods) {
    std::vector<IpAddress> kept;
    for (const IpAddress& address : pod.addresses) {
      auto [it, inserted] = owner.emplace(address, &pod);
      if (inserted) {
        kept.push_back(address);
        continue;
      }
      const Pod& first = *it->second;
      errors.push_back(Diagnostic{Diagnostic::Severity::error, pod.pos, "status.podIPs",
                                  "address " + address.to_string() + " is already used by pod " +
                                      first.namespace_name + "/" + first.name + " at " +
                                      first.pos.to_string() + "; ignored for pod " +
                                      pod.namespace_name + "/" + pod.name});
    }
    pod.addresses = std::move(kept);
  }
}

Namespace implied_namespace(const std::string& name) {
  Namespace ns;
  ns.name = name;
  ns.labels["kubernetes.io/metadata.name"] = name;
  return ns;
}

std::vector<Namespace>::iterator namespace_position(std::vector<Namespace>& namespaces,
                                                    const std::string& name) {
  return std::lower_bound(namespaces.begin(), namespaces.end(), name,
                          [](const Namespace& n, const std::string& key) { return n.name < key; });
}

template <typename T>
bool by_name(const T& a, const T& b) {
  return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
}

template <typename T>
bool same_name(const T& a, const T& b) {
  return a.namespace_name == b.namespace_name && a.name == b.name;
}

// In `objects`, sorted by (namespace, name), replaces the objects named in `left` (all there)
// by `entered`: one pass over the vector, whatever the size of the change. Returns false, with
// `objects` untouched, when a name in `entered` would be defined twice.
template <typename T>
bool replace_sorted(std::vector<T>& objects, const std::vector<T>& left,
                    const std::vector<T>& entered) {
  std::vector<const T*> leaving;
  for (const T& object : left) leaving.push_back(&object);
  std::sort(leaving.begin(), leaving.end(), [](const T* a, const T* b) { return by_name(*a, *b); });
  auto is_leaving = [&](const T& object) {
    auto it = std::lower_bound(leaving.begin(), leaving.end(), &object,
                               [](const T* a, const T* b) { return by_name(*a, *b); });
    return it != leaving.end() && same_name(**it, object);
  };
  std::vector<T> arriving(entered);
  std::sort(arriving.begin(), arriving.end(), by_name<T>);
  for (size_t i = 1; i < arriving.size(); ++i) {
    if (same_name(arriving[i - 1], arriving[i])) return false;
  }
  // The same names again (a file rewritten with some objects edited, the usual change): each
  // takes its predecessor's place, and the other objects are not moved at all.
  if (std::equal(leaving.begin(), leaving.end(), arriving.begin(), arriving.end(),
                 [](const T* a, const T& b) { return same_name(*a, b); })) {
    for (T& object : arriving) {
      *std::lower_bound(objects.begin(), objects.end(), object, by_name<T>) = std::move(object);
    }
    return true;
  }
  for (size_t i = 0; i < arriving.size(); ++i) {
    auto at = std::lower_bound(objects.begin(), objects.end(), arriving[i], by_name<T>);
    if (at != objects.end() && same_name(*at, arriving[i]) && !is_leaving(*at)) return false;
  }
  if (!leaving.empty()) {
    objects.erase(std::remove_if(objects.begin(), objects.end(), is_leaving), objects.end());
  }
  size_t kept = objects.size();
  std::move(arriving.begin(), arriving.end(), std::back_inserter(objects));
  std::inplace_merge(objects.begin(), objects.begin() + kept, objects.end(), by_name<T>);
  return true;
}

// One object's part in the changes between two merges: as it was at the previous merge and as
// it is now, each null when absent. Both point into the changes' FileLoads.
template <typename T>
struct Touch {
  const T* before = nullptr;
  const T* after = nullptr;
};

template <typename T>
using Touches = std::map<std::pair<std::string_view, std::string_view>, Touch<T>>;

// Records one file change. The first change to touch a key tells what the previous merge had:
// the object it took away (a patched cluster holds each file's objects unaltered), or nothing
// when it only brought one. The last change to touch it tells what the cluster has now.
template <typename T>
void touch(Touches<T>& touches, const std::vector<T>& left, const std::vector<T>& entered) {
  for (const T& object : left) {
    auto [it, first] = touches.try_emplace({object.namespace_name, object.name});
    if (first) it->second.before = &object;
    it->second.after = nullptr;
  }
  for (const T& object : entered) {
    touches[{object.namespace_name, object.name}].after = &object;
  }
}

// Sorts every touched key into at most one list; same content before and after is no change.
template <typename T>
void classify(const Touches<T>& touches, std::vector<ObjectKey>& added,
              std::vector<ObjectKey>& removed, std::vector<ObjectKey>& changed) {
  for (const auto& [name, t] : touches) {
    ObjectKey key{std::string(name.first), std::string(name.second)};
    if (t.before == nullptr && t.after != nullptr) {
      added.push_back(std::move(key));
    } else if (t.before != nullptr && t.after == nullptr) {
      removed.push_back(std::move(key));
    } else if (t.before != nullptr && !same_content(*t.before, *t.after)) {
      changed.push_back(std::move(key));
    }
  }
}

template <typename T>
void sort_by_namespace_and_name(std::vector<T>& objects) {
  std::stable_sort(objects.begin(), objects.end(), [](const T& a, const T& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
}

}  // namespace

void ObjectStore::replace_file(const FileLoad& load) {
  FileState& state = files_[load.path];
  state.errors.clear();
  state.notes.clear();
  for (const Diagnostic& d : load.diagnostics) {
    (d.is_error() ? state.errors : state.notes).push_back(d);
  }
  if (load.ok()) {
    FileLoad left = state.has_good ? std::move(state.good) : FileLoad{};
    state.has_good = true;
    state.good = load;
    state.good.diagnostics.clear();
    record_change(std::move(left), &state.good);
  }
  ++revision_;
}

void ObjectStore::remove_file(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) return;
  if (it->second.has_good) record_change(std::move(it->second.good), nullptr);
  files_.erase(it);
  ++revision_;
}

void ObjectStore::record_change(FileLoad left, const FileLoad* entered) {
  if (!merged_) return;  // the next merge reads every file anyway
  if (changes_.size() == kMaxPatchedChanges) {
    merged_.reset();
    changes_.clear();
    return;
  }
  Change change;
  change.left = std::move(left);
  if (entered != nullptr) change.entered = *entered;
  changes_.push_back(std::move(change));
}

bool ObjectStore::has_good_version(const std::string& path) const {
  auto it = files_.find(path);
  return it != files_.end() && it->second.has_good;
}

std::vector<Diagnostic> ObjectStore::current_errors() const {
  std::vector<Diagnostic> out;
  for (const auto& [path, state] : files_) {
    out.insert(out.end(), state.errors.begin(), state.errors.end());
  }
  return out;
}

std::vector<Diagnostic> ObjectStore::current_notes() const {
  std::vector<Diagnostic> out;
  for (const auto& [path, state] : files_) {
    out.insert(out.end(), state.notes.begin(), state.notes.end());
  }
  return out;
}

const BuildResult& ObjectStore::merged() const {
  bool patched = merged_.has_value();
  if (patched) merged_->implied_balance.clear();
  for (const Change& change : changes_) {
    if (!patched) break;
    patched = patch(change);
  }
  if (patched) merged_->result.delta = patched_delta();
  changes_.clear();
  if (!patched) merge_all();  // its delta says `everything`
  return merged_->result;
}

ClusterDelta ObjectStore::patched_delta() const {
  ClusterDelta delta;
  for (const auto& [name, balance] : merged_->implied_balance) {
    if (balance != 0) return delta;  // the namespace list changed
  }
  Touches<Pod> pods;
  Touches<NetworkPolicy> policies;
  // Namespace objects are usually written in the same file as their pods: one that left and
  // came back with the same labels changed nothing.
  std::map<std::string_view, Touch<Namespace>> namespaces;
  for (const Change& change : changes_) {
    for (const Namespace& ns : change.left.namespaces) {
      auto [it, first] = namespaces.try_emplace(ns.name);
      if (first) it->second.before = &ns;
      it->second.after = nullptr;
    }
    for (const Namespace& ns : change.entered.namespaces) namespaces[ns.name].after = &ns;
    touch(pods, change.left.pods, change.entered.pods);
    touch(policies, change.left.policies, change.entered.policies);
  }
  for (const auto& [name, t] : namespaces) {
    if (!t.before || !t.after || t.before->labels != t.after->labels) return delta;
  }
  delta.everything = false;
  classify(pods, delta.pods_added, delta.pods_removed, delta.pods_changed);
  classify(policies, delta.policies_added, delta.policies_removed, delta.policies_changed);
  return delta;
}

void ObjectStore::merge_all() const {
  merged_.emplace();
  BuildResult& result = merged_->result;
  Cluster& cluster = result.cluster;
  Merger merger(result.errors);
  for (const auto& [path, state] : files_) {
    if (!state.has_good) continue;
    for (const Namespace& ns : state.good.namespaces) {
      if (merger.admit({"Namespace", "", ns.name}, ns.pos)) cluster.namespaces.push_back(ns);
    }
    for (const Pod& pod : state.good.pods) {
      if (merger.admit({"Pod", pod.namespace_name, pod.name}, pod.pos)) {
        cluster.pods.push_back(pod);
      }
    }
    for (const NetworkPolicy& policy : state.good.policies) {
      if (merger.admit({"NetworkPolicy", policy.namespace_name, policy.name}, policy.pos)) {
        cluster.policies.push_back(policy);
      }
    }
  }
  claim_addresses(cluster.pods, result.errors);

  for (const Namespace& ns : cluster.namespaces) merged_->declared.insert(ns.name);
  for (const Pod& pod : cluster.pods) ++merged_->uses[pod.namespace_name];
  for (const NetworkPolicy& policy : cluster.policies) ++merged_->uses[policy.namespace_name];
  for (const auto& [name, count] : merged_->uses) {
    if (!merged_->declared.count(name)) cluster.namespaces.push_back(implied_namespace(name));
  }
  std::sort(cluster.namespaces.begin(), cluster.namespaces.end(),
            [](const Namespace& a, const Namespace& b) { return a.name < b.name; });
  sort_by_namespace_and_name(cluster.pods);
  sort_by_namespace_and_name(cluster.policies);
  for (const Pod& pod : cluster.pods) {
    merged_->addresses.insert(pod.addresses.begin(), pod.addresses.end());
  }
}

// Applies one file change to the merged cluster, or returns false when only a full merge gives
// the right answer; the caller then merges everything, so a half-applied change never shows.
bool ObjectStore::patch(const Change& change) const {
  Merged& m = *merged_;
  Cluster& cluster = m.result.cluster;
  if (!m.result.errors.empty()) return false;  // conflicts: who wins depends on every file

  // Namespace objects: an entered one may not be declared by another file too.
  std::set<std::string> leaving_namespaces;
  for (const Namespace& ns : change.left.namespaces) leaving_namespaces.insert(ns.name);
  std::set<std::string> entering_namespaces;
  for (const Namespace& ns : change.entered.namespaces) {
    if (!entering_namespaces.insert(ns.name).second) return false;
    if (m.declared.count(ns.name) && !leaving_namespaces.count(ns.name)) return false;
  }

  // Addresses: every entered one must be free once the left pods have gone.
  std::unordered_set<IpAddress, IpAddressHash> freed;
  for (const Pod& pod : change.left.pods) freed.insert(pod.addresses.begin(), pod.addresses.end());
  std::unordered_set<IpAddress, IpAddressHash> claimed;
  for (const Pod& pod : change.entered.pods) {
    for (const IpAddress& address : pod.addresses) {
      if (!claimed.insert(address).second) return false;
      if (m.addresses.count(address) && !freed.count(address)) return false;
    }
  }
  if (!replace_sorted(cluster.pods, change.left.pods, change.entered.pods)) return false;
  if (!replace_sorted(cluster.policies, change.left.policies, change.entered.policies)) {
    return false;
  }

  // Declared namespaces first, so that the use counts below see who declares what.
  for (const std::string& name : leaving_namespaces) {
    if (entering_namespaces.count(name)) continue;
    m.declared.erase(name);
    auto at = namespace_position(cluster.namespaces, name);
    if (at == cluster.namespaces.end() || at->name != name) return false;
    if (m.uses.count(name)) {
      *at = implied_namespace(name);  // still used: implied from now on
    } else {
      cluster.namespaces.erase(at);
    }
  }
  for (const Namespace& ns : change.entered.namespaces) {
    m.declared.insert(ns.name);
    auto at = namespace_position(cluster.namespaces, ns.name);
    if (at != cluster.namespaces.end() && at->name == ns.name) {
      *at = ns;
    } else {
      cluster.namespaces.insert(at, ns);
    }
  }

  for (const IpAddress& address : freed) m.addresses.erase(address);
  m.addresses.insert(claimed.begin(), claimed.end());
  for (const Pod& pod : change.left.pods) forget(pod.namespace_name);
  for (const NetworkPolicy& policy : change.left.policies) forget(policy.namespace_name);
  for (const Pod& pod : change.entered.pods) use(pod.namespace_name);
  for (const NetworkPolicy& policy : change.entered.policies) use(policy.namespace_name);
  return true;
}

// One pod or policy of `ns` left: an implied namespace goes with its last object.
void ObjectStore::forget(const std::string& ns) const {
  auto it = merged_->uses.find(ns);
  if (it == merged_->uses.end() || --it->second > 0) return;
  merged_->uses.erase(it);
  if (merged_->declared.count(ns)) return;
  std::vector<Namespace>& namespaces = merged_->result.cluster.namespaces;
  auto at = namespace_position(namespaces, ns);
  if (at != namespaces.end() && at->name == ns) {
    namespaces.erase(at);
    --merged_->implied_balance[ns];
  }
}

// One pod or policy of `ns` entered: a namespace nobody declared becomes implied.
void ObjectStore::use(const std::string& ns) const {
  if (merged_->uses[ns]++ > 0 || merged_->declared.count(ns)) return;
  std::vector<Namespace>& namespaces = merged_->result.cluster.namespaces;
  namespaces.insert(namespace_position(namespaces, ns), implied_namespace(ns));
  ++merged_->implied_balance[ns];
}

}  // namespace podwall
