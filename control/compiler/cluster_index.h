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
// Owns its labels: the index outlives the Cluster it was built from (policy_compiler.h).
struct IdentityRecord {
  uint32_t namespace_id = 0;
  Labels labels;
  std::vector<ContainerPort> named_ports;  // sorted by name
  std::vector<uint32_t> pods;
};

struct EndpointRecord {
  IpAddress address;
  uint32_t pod = 0;  // kNoId: the pod left (patches keep endpoint numbers; policy_compiler.h)
  uint32_t identity = 0;
};

class ClusterIndex {
 public:
  explicit ClusterIndex(const Cluster& cluster);

  // The cluster being compiled. A patch (policy_compiler.cpp) points the index at the changed
  // cluster, which has the same namespaces and the same pods and policies in the same order.
  const Cluster& cluster() const { return *cluster_; }
  void rebind(const Cluster& cluster) { cluster_ = &cluster; }
  uint32_t namespace_id(const std::string& name) const;  // kNoId when unknown
  size_t namespace_count() const { return namespace_labels_.size(); }
  const std::vector<std::string>& namespace_names() const { return namespace_names_; }
  const std::vector<IdentityRecord>& identities() const { return identities_; }
  const std::vector<EndpointRecord>& endpoints() const { return endpoints_; }
  const std::vector<uint32_t>& identities_in(uint32_t ns) const { return by_namespace_[ns]; }
  uint32_t pod_identity(uint32_t pod) const { return pod_identity_[pod]; }
  size_t pod_count() const { return pod_identity_.size(); }

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

  // --- for patches: a pod that changed labels or ports, in a cluster whose selectors did
  // not change ---
  // Was this namespaceSelector / this label key among those the classes were cut by?
  bool cuts_namespace_classes(const LabelSelector& selector) const;
  bool cuts_pod_classes(const std::string& label_key) const;
  // The identity a pod with these properties belongs to: kNoId when there is none yet, with
  // `key` set for add_identity().
  uint32_t find_identity(const Pod& pod, std::string& key) const;
  // The pod class of these labels: kNoId when no identity has had it.
  uint32_t find_pod_class(const Labels& labels) const;
  // Does some identity of namespace `ns` have pod class `pc`? (Peers are named by such pairs.)
  bool namespace_has_pod_class(uint32_t ns, uint32_t pc) const;
  // What an identity for `pod` holds; add_identity() registers it and returns its id.
  IdentityRecord identity_record(const Pod& pod) const;
  uint32_t add_identity(std::string key, IdentityRecord record, uint32_t pc);
  // Moves pod `pod` and its endpoints to `identity`.
  void move_pod(uint32_t pod, uint32_t identity);
  // Endpoint ids of pod `pod`: [first, last).
  std::pair<uint32_t, uint32_t> endpoints_of(uint32_t pod) const;
  // A pod arriving at position `pod` of the sorted cluster, of identity `identity`: its
  // addresses get the next endpoint ids, which are returned.
  std::pair<uint32_t, uint32_t> insert_pod(uint32_t pod, const Pod& object, uint32_t identity);
  // The pod at position `pod` leaves; its endpoint ids (returned) are not reused.
  std::pair<uint32_t, uint32_t> erase_pod(uint32_t pod);

 private:
  const Cluster* cluster_;
  std::unordered_map<std::string, uint32_t> namespace_ids_;
  std::vector<std::string> namespace_names_;
  std::vector<Labels> namespace_labels_;
  std::unordered_map<std::string, uint32_t> identity_ids_;
  std::vector<IdentityRecord> identities_;
  std::vector<std::vector<uint32_t>> by_namespace_;
  void shift_pods(uint32_t from, int by);

  std::vector<uint32_t> pod_identity_;
  std::vector<std::pair<uint32_t, uint32_t>> pod_endpoints_;  // per pod: [first, last) endpoint
  std::vector<EndpointRecord> endpoints_;
  std::unordered_map<std::string, std::vector<uint32_t>> ns_memo_;
  std::unordered_map<std::string, std::vector<uint32_t>> identity_memo_;

  std::unordered_map<std::string, bool> namespace_selectors_;  // canonical forms
  std::vector<std::string> pod_class_keys_;                    // sorted
  std::unordered_map<std::string, uint32_t> pod_class_ids_;    // projected labels -> class
  std::vector<uint32_t> ns_class_;
  std::vector<std::vector<uint32_t>> namespaces_of_class_;
  std::vector<uint32_t> identity_pod_class_;
  std::vector<Labels> pod_class_labels_;
  std::vector<std::vector<uint32_t>> classes_in_ns_;
  std::vector<std::vector<uint32_t>> classes_in_ns_class_;
  std::unordered_map<std::string, std::vector<uint32_t>> pod_class_memo_;
};

}  // namespace podwall
