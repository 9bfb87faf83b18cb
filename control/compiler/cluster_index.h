#pragma once
// Stage 1 of the compiler: ids for namespaces, identities and endpoints, and memoised
// selector resolution.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/model.h"

namespace podwall {

// Pods that no policy can tell apart: same namespace, labels and named container ports.
struct IdentityRecord {
  uint32_t namespace_id = 0;
  const Labels* labels = nullptr;
  std::vector<ContainerPort> named_ports;  // sorted by name
  std::vector<uint32_t> pods;
};

struct EndpointRecord {
  IpAddress address;
  uint32_t pod = 0;
  uint32_t identity = 0;
};

class ClusterIndex {
 public:
  explicit ClusterIndex(const Cluster& cluster);

  const Cluster& cluster() const { return cluster_; }
  uint32_t namespace_id(const std::string& name) const;  // kNoId when unknown
  size_t namespace_count() const { return namespace_labels_.size(); }
  const std::vector<std::string>& namespace_names() const { return namespace_names_; }
  const std::vector<IdentityRecord>& identities() const { return identities_; }
  const std::vector<EndpointRecord>& endpoints() const { return endpoints_; }
  const std::vector<uint32_t>& identities_in(uint32_t ns) const { return by_namespace_[ns]; }
  uint32_t pod_identity(uint32_t pod) const { return pod_identity_[pod]; }

  // Namespaces whose labels match; sorted ids. Memoised.
  const std::vector<uint32_t>& namespaces_matching(const LabelSelector& selector);
  // Identities of namespace `ns` whose pod labels match; sorted ids. Memoised.
  const std::vector<uint32_t>& identities_matching(uint32_t ns, const LabelSelector& selector);
  // Distinct selector-derived sets resolved so far (for statistics).
  size_t resolved_sets() const { return ns_memo_.size() + identity_memo_.size(); }

 private:
  const Cluster& cluster_;
  std::unordered_map<std::string, uint32_t> namespace_ids_;
  std::vector<std::string> namespace_names_;
  std::vector<const Labels*> namespace_labels_;
  std::vector<IdentityRecord> identities_;
  std::vector<std::vector<uint32_t>> by_namespace_;
  std::vector<uint32_t> pod_identity_;
  std::vector<EndpointRecord> endpoints_;
  std::unordered_map<std::string, std::vector<uint32_t>> ns_memo_;
  std::unordered_map<std::string, std::vector<uint32_t>> identity_memo_;
};

}  // namespace podwall
