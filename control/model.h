#pragma once
// The Kubernetes object model podwall understands: Namespace, Pod and NetworkPolicy
// (networking.k8s.io/v1), already validated, with defaults applied and every field in the
// form the compiler needs. The loader produces it; the compiler and the CLI read it.
//
// Plain values, no DPDK. A `Cluster` is what one manifest directory says at one moment.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/policy/ip_address.h"

namespace podwall {

// Where an object or field came from, for diagnostics and explanations. Lines and columns
// count from 1, as editors do.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string to_string() const;  // "file:line:column"
};

using Labels = std::map<std::string, std::string>;

enum class SelectorOp : uint8_t { in, not_in, exists, does_not_exist };

struct SelectorRequirement {
  std::string key;
  SelectorOp op = SelectorOp::exists;
  std::vector<std::string> values;  // sorted, unique; empty for exists/does_not_exist
};

// A label selector. Empty (no labels, no expressions) selects everything in its scope.
struct LabelSelector {
  Labels match_labels;
  std::vector<SelectorRequirement> match_expressions;

  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  bool matches(const Labels& labels) const;
  // A canonical text form: equal selectors print equally. Used to memoise selector results.
  std::string canonical() const;
};

// IANA protocol numbers, so the model and the packet agree without translation.
enum class Protocol : uint8_t { tcp = 6, udp = 17, sctp = 132 };

const char* protocol_name(Protocol p);

struct ContainerPort {
  std::string name;  // empty when unnamed
  uint16_t port = 0;
  Protocol protocol = Protocol::tcp;
};

struct Namespace {
  std::string name;
  Labels labels;  // always holds kubernetes.io/metadata.name = name
  SourcePos pos;  // empty file when implied by an object in it
};

struct Pod {
  std::string namespace_name;
  std::string name;
  Labels labels;
  std::vector<ContainerPort> ports;  // every container's ports, in manifest order
  std::vector<IpAddress> addresses;  // status.podIP / podIPs, unique; empty = not on the wire
  SourcePos pos;
};

struct IpBlock {
  Cidr cidr;
  std::vector<Cidr> except;  // each inside cidr
};

// One entry of `from` / `to`. Exactly one of the three shapes:
//   pod_selector only              -> pods of the policy's namespace
//   namespace_selector only        -> every pod of matching namespaces
//   both                           -> matching pods of matching namespaces (AND)
//   ip_block                       -> addresses in cidr minus except, pod or not
struct PolicyPeer {
  std::optional<LabelSelector> pod_selector;
  std::optional<LabelSelector> namespace_selector;
  std::optional<IpBlock> ip_block;
  SourcePos pos;
};

struct PolicyPort {
  Protocol protocol = Protocol::tcp;
  // Neither set: every port of the protocol. `named_port` resolves against the container
  // ports of the pod receiving the traffic.
  std::optional<uint16_t> port;
  std::string named_port;
  std::optional<uint16_t> end_port;  // only with a numeric port; >= port
};

struct PolicyRule {
  std::vector<PolicyPeer> peers;  // empty = every peer
  std::vector<PolicyPort> ports;  // empty = every port of every protocol (ICMP too)
  SourcePos pos;
};

struct NetworkPolicy {
  std::string namespace_name;
  std::string name;
  LabelSelector pod_selector;
  // After policyTypes inference: explicit types win; absent/empty means Ingress, plus Egress
  // iff the egress section holds at least one rule.
  bool isolates_ingress = false;
  bool isolates_egress = false;
  // Sections for a type not in force are dropped by the loader, so the compiler never sees
  // rules that cannot apply.
  std::vector<PolicyRule> ingress;
  std::vector<PolicyRule> egress;
  SourcePos pos;

  std::string qualified_name() const { return namespace_name + "/" + name; }
};

// Everything one directory says. Namespaces are complete: the loader adds an implied one for
// every namespace an object names without a Namespace manifest. Sorted by (namespace, name).
struct Cluster {
  std::vector<Namespace> namespaces;
  std::vector<Pod> pods;
  std::vector<NetworkPolicy> policies;
};

// Content equality: every field but the source positions (`pos`), so that an object that
// only moved in its file compares equal. Lists compare in order; labels as maps.
bool same_content(const SelectorRequirement& a, const SelectorRequirement& b);
bool same_content(const LabelSelector& a, const LabelSelector& b);
bool same_content(const ContainerPort& a, const ContainerPort& b);
bool same_content(const IpBlock& a, const IpBlock& b);
bool same_content(const PolicyPeer& a, const PolicyPeer& b);
bool same_content(const PolicyPort& a, const PolicyPort& b);
bool same_content(const PolicyRule& a, const PolicyRule& b);
bool same_content(const Pod& a, const Pod& b);
bool same_content(const NetworkPolicy& a, const NetworkPolicy& b);

struct ObjectKey {
  std::string namespace_name;
  std::string name;
  bool operator==(const ObjectKey&) const = default;
};

// What changed between two successive Clusters, object by object, so that the compiler can
// patch its last tables instead of starting over. Content only: an object whose source
// position moved but whose fields did not is not listed. Each key is in at most one list.
struct ClusterDelta {
  // True when the change is not known object by object (the first build, a full merge, any
  // Namespace change, an implied namespace appearing or going): the compiler starts over.
  bool everything = true;
  std::vector<ObjectKey> pods_added, pods_removed, pods_changed;
  std::vector<ObjectKey> policies_added, policies_removed, policies_changed;

  bool empty() const {
    return !everything && pods_added.empty() && pods_removed.empty() && pods_changed.empty() &&
           policies_added.empty() && policies_removed.empty() && policies_changed.empty();
  }
};

}  // namespace podwall
