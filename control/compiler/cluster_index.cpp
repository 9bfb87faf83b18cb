#include "control/compiler/cluster_index.h"

#include <algorithm>

#include "dataplane/policy/tables.h"

namespace podwall {

namespace {

std::vector<ContainerPort> named_ports_of(const Pod& pod) {
  std::vector<ContainerPort> named;
  for (const auto& p : pod.ports) {
    if (!p.name.empty()) named.push_back(p);
  }
  std::sort(named.begin(), named.end(),
            [](const ContainerPort& a, const ContainerPort& b) { return a.name < b.name; });
  return named;
}

std::string identity_key(uint32_t ns, const Labels& labels,
                         const std::vector<ContainerPort>& named) {
  // '\n' and '\t' cannot occur in label keys, values or port names, so the key is unambiguous.
  std::string key = std::to_string(ns) + "\n";
  for (const auto& [k, v] : labels) key += k + "\t" + v + "\n";
  key += "\n";
  for (const auto& p : named) {
    key += p.name + "\t" + std::to_string(p.port) + "\t" + std::to_string(int(p.protocol)) + "\n";
  }
  return key;
}

}  // namespace

ClusterIndex::ClusterIndex(const Cluster& cluster) : cluster_(cluster) {
  for (const auto& ns : cluster.namespaces) {
    namespace_ids_.emplace(ns.name, uint32_t(namespace_names_.size()));
    namespace_names_.push_back(ns.name);
    namespace_labels_.push_back(&ns.labels);
  }
  by_namespace_.resize(namespace_names_.size());

  std::unordered_map<std::string, uint32_t> identity_ids;
  pod_identity_.reserve(cluster.pods.size());
  for (uint32_t pod_index = 0; pod_index < cluster.pods.size(); ++pod_index) {
    const Pod& pod = cluster.pods[pod_index];
    uint32_t ns = namespace_id(pod.namespace_name);
    if (ns == kNoId) {
      // The loader always adds implied namespaces; a pod outside them is a caller bug, and
      // leaving it without identity keeps it off the wire rather than guessing.
      pod_identity_.push_back(kNoId);
      continue;
    }
    auto named = named_ports_of(pod);
    auto [it, inserted] = identity_ids.try_emplace(identity_key(ns, pod.labels, named),
                                                   uint32_t(identities_.size()));
    if (inserted) {
      IdentityRecord record;
      record.namespace_id = ns;
      record.labels = &pod.labels;
      record.named_ports = std::move(named);
      identities_.push_back(std::move(record));
      by_namespace_[ns].push_back(it->second);
    }
    identities_[it->second].pods.push_back(pod_index);
    pod_identity_.push_back(it->second);
    for (const auto& address : pod.addresses) {
      endpoints_.push_back({address, pod_index, it->second});
    }
  }
}

uint32_t ClusterIndex::namespace_id(const std::string& name) const {
  auto it = namespace_ids_.find(name);
  return it == namespace_ids_.end() ? kNoId : it->second;
}

const std::vector<uint32_t>& ClusterIndex::namespaces_matching(const LabelSelector& selector) {
  auto [it, inserted] = ns_memo_.try_emplace(selector.canonical());
  if (inserted) {
    for (uint32_t ns = 0; ns < namespace_labels_.size(); ++ns) {
      if (selector.matches(*namespace_labels_[ns])) it->second.push_back(ns);
    }
  }
  return it->second;
}

const std::vector<uint32_t>& ClusterIndex::identities_matching(uint32_t ns,
                                                               const LabelSelector& selector) {
  auto [it, inserted] =
      identity_memo_.try_emplace(std::to_string(ns) + "\n" + selector.canonical());
  if (inserted) {
    for (uint32_t id : by_namespace_[ns]) {
      if (selector.matches(*identities_[id].labels)) it->second.push_back(id);
    }
  }
  return it->second;
}

}  // namespace podwall
