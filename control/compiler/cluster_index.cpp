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
  // Appended piece by piece: this runs once per pod, and temporaries per label add up.
  std::string key = std::to_string(ns);
  key += '\n';
  for (const auto& [k, v] : labels) {
    key.append(k).append(1, '\t').append(v).append(1, '\n');
  }
  key += '\n';
  for (const auto& p : named) {
    key.append(p.name).append(1, '\t').append(std::to_string(p.port)).append(1, '\t');
    key.append(std::to_string(int(p.protocol))).append(1, '\n');
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
    auto [it, inserted] =
        identity_ids.try_emplace(identity_key(ns, pod.labels, named), uint32_t(identities_.size()));
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

void ClusterIndex::build_classes(const std::vector<const LabelSelector*>& namespace_selectors,
                                 const std::vector<const LabelSelector*>& pod_selectors) {
  // Namespace classes: the signature of a namespace is the set of distinct selectors it meets.
  std::vector<const std::vector<uint32_t>*> results;
  std::unordered_map<std::string, bool> seen;
  for (const LabelSelector* sel : namespace_selectors) {
    if (seen.emplace(sel->canonical(), true).second) results.push_back(&namespaces_matching(*sel));
  }
  std::vector<std::string> signature(namespace_count());
  for (size_t i = 0; i < results.size(); ++i) {
    for (uint32_t ns : *results[i]) signature[ns] += std::to_string(i) + ",";
  }
  std::unordered_map<std::string, uint32_t> ns_class_ids;
  ns_class_.resize(namespace_count());
  for (uint32_t ns = 0; ns < namespace_count(); ++ns) {
    auto [it, inserted] = ns_class_ids.try_emplace(signature[ns], uint32_t(ns_class_ids.size()));
    if (inserted) namespaces_of_class_.emplace_back();
    ns_class_[ns] = it->second;
    namespaces_of_class_[it->second].push_back(ns);
  }

  // Pod classes: labels projected onto the keys peer podSelectors mention.
  std::vector<std::string> keys;
  for (const LabelSelector* sel : pod_selectors) {
    for (const auto& [k, v] : sel->match_labels) keys.push_back(k);
    for (const auto& req : sel->match_expressions) keys.push_back(req.key);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::unordered_map<std::string, uint32_t> pod_class_ids;
  identity_pod_class_.resize(identities_.size());
  for (uint32_t id = 0; id < identities_.size(); ++id) {
    Labels projected;
    std::string key;
    for (const auto& k : keys) {
      auto it = identities_[id].labels->find(k);
      if (it == identities_[id].labels->end()) continue;
      projected.emplace(k, it->second);
      key += k + "\t" + it->second + "\n";
    }
    auto [it, inserted] = pod_class_ids.try_emplace(key, uint32_t(pod_class_labels_.size()));
    if (inserted) pod_class_labels_.push_back(std::move(projected));
    identity_pod_class_[id] = it->second;
  }

  classes_in_ns_.assign(namespace_count(), {});
  classes_in_ns_class_.assign(namespaces_of_class_.size(), {});
  for (uint32_t id = 0; id < identities_.size(); ++id) {
    uint32_t ns = identities_[id].namespace_id;
    classes_in_ns_[ns].push_back(identity_pod_class_[id]);
    classes_in_ns_class_[ns_class_[ns]].push_back(identity_pod_class_[id]);
  }
  for (auto* lists : {&classes_in_ns_, &classes_in_ns_class_}) {
    for (auto& list : *lists) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }
  }
}

const std::vector<uint32_t>& ClusterIndex::pod_classes_matching(const LabelSelector& selector) {
  auto [it, inserted] = pod_class_memo_.try_emplace(selector.canonical());
  if (inserted) {
    for (uint32_t pc = 0; pc < pod_class_labels_.size(); ++pc) {
      if (selector.matches(pod_class_labels_[pc])) it->second.push_back(pc);
    }
  }
  return it->second;
}

}  // namespace podwall
