#pragma once
// Stage 1 of the compiler: ids for namespaces, identities and endpoints; the namespace and pod
// classes peers are named by; memoised selector resolution.
//
// A namespace class holds the namespaces that match exactly the same namespaceSelectors of
// the cluster's peers. A pod class holds the pods whose labels agree on every key any peer
// podSelector mentions. Peers named through classes stay small however broad the selector.

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
  size_t resolved_sets() const {
    return ns_memo_.size() + identity_memo_.size() + pod_class_memo_.size();
  }

  // Cuts namespace and pod classes from the selectors that name peers. Call once, before the
  // class accessors below.
  void build_classes(const std::vector<const LabelSelector*>& peer_namespace_selectors,
                     const std::vector<const LabelSelector*>& peer_pod_selectors);
  size_t ns_class_count() const { return namespaces_of_class_.size(); }
  size_t pod_class_count() const { return pod_class_labels_.size(); }
  uint32_t ns_class(uint32_t ns) const { return ns_class_[ns]; }
  uint32_t pod_class(uint32_t identity) const { return identity_pod_class_[identity]; }
  const std::vector<uint32_t>& namespaces_of_class(uint32_t nc) const {
    return namespaces_of_class_[nc];
  }
  // Pod classes with at least one pod in a namespace / a namespace class; sorted.
  const std::vector<uint32_t>& pod_classes_in(uint32_t ns) const { return classes_in_ns_[ns]; }
  const std::vector<uint32_t>& pod_classes_in_class(uint32_t nc) const {
    return classes_in_ns_class_[nc];
  }
  // Pod classes whose labels match; sorted. Memoised. Exact only for selectors that were
  // passed to build_classes.
  const std::vector<uint32_t>& pod_classes_matching(const LabelSelector& selector);

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

  std::vector<uint32_t> ns_class_;
  std::vector<std::vector<uint32_t>> namespaces_of_class_;
  std::vector<uint32_t> identity_pod_class_;
  std::vector<Labels> pod_class_labels_;
  std::vector<std::vector<uint32_t>> classes_in_ns_;
  std::vector<std::vector<uint32_t>> classes_in_ns_class_;
  std::unordered_map<std::string, std::vector<uint32_t>> pod_class_memo_;
};

}  // namespace podwall
