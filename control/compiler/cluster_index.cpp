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

// The labels restricted to `keys`, as a unique text (and, when asked, as Labels).
std::string projection_key(const std::vector<std::string>& keys, const Labels& labels,
                           Labels* projected) {
  std::string key;
  for (const auto& k : keys) {
    auto it = labels.find(k);
    if (it == labels.end()) continue;
    if (projected) projected->emplace(k, it->second);
    key.append(k).append(1, '\t').append(it->second).append(1, '\n');
  }
  return key;
}

}  // namespace

ClusterIndex::ClusterIndex(const Cluster& cluster) : cluster_(&cluster) {
  for (const auto& ns : cluster.namespaces) {
    namespace_ids_.emplace(ns.name, uint32_t(namespace_names_.size()));
    namespace_names_.push_back(ns.name);
    namespace_labels_.push_back(ns.labels);
  }
  by_namespace_.resize(namespace_names_.size());

  pod_identity_.reserve(cluster.pods.size());
  for (uint32_t pod_index = 0; pod_index < cluster.pods.size(); ++pod_index) {
    const Pod& pod = cluster.pods[pod_index];
    uint32_t ns = namespace_id(pod.namespace_name);
    if (ns == kNoId) {
      // The loader always adds implied namespaces; a pod outside them is a caller bug, and
      // leaving it without identity keeps it off the wire rather than guessing.
      pod_identity_.push_back(kNoId);
      pod_endpoints_.push_back({uint32_t(endpoints_.size()), uint32_t(endpoints_.size())});
      continue;
    }
    auto named = named_ports_of(pod);
    auto [it, inserted] = identity_ids_.try_emplace(identity_key(ns, pod.labels, named),
                                                    uint32_t(identities_.size()));
    if (inserted) {
      IdentityRecord record;
      record.namespace_id = ns;
      record.labels = pod.labels;
      record.named_ports = std::move(named);
      identities_.push_back(std::move(record));
      by_namespace_[ns].push_back(it->second);
    }
    identities_[it->second].pods.push_back(pod_index);
    pod_identity_.push_back(it->second);
    uint32_t first = uint32_t(endpoints_.size());
    for (const auto& address : pod.addresses) {
      endpoints_.push_back({address, pod_index, it->second});
    }
    pod_endpoints_.push_back({first, uint32_t(endpoints_.size())});
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
      if (selector.matches(namespace_labels_[ns])) it->second.push_back(ns);
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
      if (selector.matches(identities_[id].labels)) it->second.push_back(id);
    }
  }
  return it->second;
}

void ClusterIndex::build_classes(const std::vector<const LabelSelector*>& namespace_selectors,
                                 const std::vector<const LabelSelector*>& pod_selectors) {
  // Namespace classes: the signature of a namespace is the set of distinct selectors it meets.
  std::vector<const std::vector<uint32_t>*> results;
  for (const LabelSelector* sel : namespace_selectors) {
    if (namespace_selectors_.emplace(sel->canonical(), true).second) {
      results.push_back(&namespaces_matching(*sel));
    }
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
  pod_class_keys_ = std::move(keys);
  identity_pod_class_.resize(identities_.size());
  for (uint32_t id = 0; id < identities_.size(); ++id) {
    Labels projected;
    std::string key = projection_key(pod_class_keys_, identities_[id].labels, &projected);
    auto [it, inserted] = pod_class_ids_.try_emplace(key, uint32_t(pod_class_labels_.size()));
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

bool ClusterIndex::cuts_namespace_classes(const LabelSelector& selector) const {
  return namespace_selectors_.count(selector.canonical()) > 0;
}

bool ClusterIndex::cuts_pod_classes(const std::string& label_key) const {
  return std::binary_search(pod_class_keys_.begin(), pod_class_keys_.end(), label_key);
}

uint32_t ClusterIndex::find_identity(const Pod& pod, std::string& key) const {
  key = identity_key(namespace_id(pod.namespace_name), pod.labels, named_ports_of(pod));
  auto it = identity_ids_.find(key);
  return it == identity_ids_.end() ? kNoId : it->second;
}

uint32_t ClusterIndex::find_pod_class(const Labels& labels) const {
  auto it = pod_class_ids_.find(projection_key(pod_class_keys_, labels, nullptr));
  return it == pod_class_ids_.end() ? kNoId : it->second;
}

bool ClusterIndex::namespace_has_pod_class(uint32_t ns, uint32_t pc) const {
  const auto& classes = classes_in_ns_[ns];
  return std::binary_search(classes.begin(), classes.end(), pc);
}

IdentityRecord ClusterIndex::identity_record(const Pod& pod) const {
  IdentityRecord record;
  record.namespace_id = namespace_id(pod.namespace_name);
  record.labels = pod.labels;
  record.named_ports = named_ports_of(pod);
  return record;
}

uint32_t ClusterIndex::add_identity(std::string key, IdentityRecord record, uint32_t pc) {
  uint32_t id = uint32_t(identities_.size());
  uint32_t ns = record.namespace_id;
  record.pods.clear();
  identities_.push_back(std::move(record));
  identity_ids_.emplace(std::move(key), id);
  by_namespace_[ns].push_back(id);
  identity_pod_class_.push_back(pc);
  // Memoised selections of identities no longer list every identity.
  identity_memo_.clear();
  return id;
}

void ClusterIndex::move_pod(uint32_t pod, uint32_t identity) {
  uint32_t old = pod_identity_[pod];
  if (old == identity) return;
  if (old != kNoId) {
    auto& pods = identities_[old].pods;
    pods.erase(std::find(pods.begin(), pods.end(), pod));
  }
  identities_[identity].pods.push_back(pod);
  pod_identity_[pod] = identity;
  auto [first, last] = endpoints_of(pod);
  for (uint32_t e = first; e < last; ++e) endpoints_[e].identity = identity;
}

std::pair<uint32_t, uint32_t> ClusterIndex::endpoints_of(uint32_t pod) const {
  return pod_endpoints_[pod];
}

// Pod numbers are positions in the sorted cluster: one pod in or out renumbers those after it.
void ClusterIndex::shift_pods(uint32_t from, int by) {
  for (EndpointRecord& e : endpoints_) {
    if (e.pod != kNoId && e.pod >= from) e.pod = uint32_t(int64_t(e.pod) + by);
  }
  for (IdentityRecord& identity : identities_) {
    for (uint32_t& p : identity.pods) {
      if (p >= from) p = uint32_t(int64_t(p) + by);
    }
  }
}

std::pair<uint32_t, uint32_t> ClusterIndex::insert_pod(uint32_t pod, const Pod& object,
                                                       uint32_t identity) {
  shift_pods(pod, +1);
  uint32_t first = uint32_t(endpoints_.size());
  for (const auto& address : object.addresses) endpoints_.push_back({address, pod, identity});
  uint32_t last = uint32_t(endpoints_.size());
  pod_identity_.insert(pod_identity_.begin() + pod, identity);
  pod_endpoints_.insert(pod_endpoints_.begin() + pod, {first, last});
  identities_[identity].pods.push_back(pod);
  return {first, last};
}

std::pair<uint32_t, uint32_t> ClusterIndex::erase_pod(uint32_t pod) {
  auto range = pod_endpoints_[pod];
  for (uint32_t e = range.first; e < range.second; ++e) endpoints_[e].pod = kNoId;
  if (uint32_t identity = pod_identity_[pod]; identity != kNoId) {
    auto& pods = identities_[identity].pods;
    pods.erase(std::find(pods.begin(), pods.end(), pod));
  }
  pod_identity_.erase(pod_identity_.begin() + pod);
  pod_endpoints_.erase(pod_endpoints_.begin() + pod);
  shift_pods(pod + 1, -1);
  return range;
}

}  // namespace podwall
