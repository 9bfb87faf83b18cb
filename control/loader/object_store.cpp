#include "control/loader/object_store.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace podwall {
namespace {

using ObjectKey = std::tuple<std::string, std::string, std::string>;  // kind, namespace, name

std::string describe_object(const ObjectKey& key) {
  const auto& [kind, ns, name] = key;
  return kind + " " + (ns.empty() ? name : ns + "/" + name);
}

// Keeps the first definition of each object in path order and reports the others.
class Merger {
 public:
  explicit Merger(std::vector<Diagnostic>& errors) : errors_(errors) {}

  bool admit(const ObjectKey& key, const SourcePos& pos) {
    auto [it, inserted] = first_.emplace(key, pos);
    if (inserted) return true;
    errors_.push_back(Diagnostic{Diagnostic::Severity::error, pos, "metadata.name",
                                 describe_object(key) + " is already defined at " +
                                     it->second.to_string() + "; this definition is ignored"});
    return false;
  }

 private:
  std::vector<Diagnostic>& errors_;
  std::map<ObjectKey, SourcePos> first_;
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
    state.has_good = true;
    state.good = load;
    state.good.diagnostics.clear();
  }
  ++revision_;
}

void ObjectStore::remove_file(const std::string& path) {
  if (files_.erase(path) > 0) ++revision_;
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

BuildResult ObjectStore::build_cluster() const {
  BuildResult result;
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

  std::set<std::string> declared;
  for (const Namespace& ns : cluster.namespaces) declared.insert(ns.name);
  std::set<std::string> implied;
  for (const Pod& pod : cluster.pods) implied.insert(pod.namespace_name);
  for (const NetworkPolicy& policy : cluster.policies) implied.insert(policy.namespace_name);
  for (const std::string& name : implied) {
    if (declared.count(name)) continue;
    Namespace ns;
    ns.name = name;
    ns.labels["kubernetes.io/metadata.name"] = name;
    cluster.namespaces.push_back(std::move(ns));
  }
  std::sort(cluster.namespaces.begin(), cluster.namespaces.end(),
            [](const Namespace& a, const Namespace& b) { return a.name < b.name; });
  sort_by_namespace_and_name(cluster.pods);
  sort_by_namespace_and_name(cluster.policies);
  return result;
}

}  // namespace podwall
