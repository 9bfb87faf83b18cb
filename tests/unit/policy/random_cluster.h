#pragma once
// Random small clusters for the property test, kept in *manifest* form (what a user writes:
// policyTypes possibly absent, sections absent / empty / with rules, selectors as written), so
// that the reference evaluator applies every rule of DESIGN.md itself, inference included.
// Two ways into the compiler: to_model() builds the Cluster directly (what the loader should
// produce), to_yaml() writes manifests for the real loader.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "control/model.h"
#include "dataplane/policy/classify.h"

namespace podwall::testing {

struct RawExpression {
  std::string key;
  std::string op;  // In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
};

struct RawSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<RawExpression> match_expressions;
};

struct RawIpBlock {
  std::string cidr;
  std::vector<std::string> except;
};

struct RawPeer {
  std::optional<RawSelector> pod_selector;
  std::optional<RawSelector> namespace_selector;
  std::optional<RawIpBlock> ip_block;
};

struct RawPort {
  std::string protocol;  // empty = field absent (TCP)
  std::optional<int> port;
  std::string named_port;  // set instead of `port` for a named port
  std::optional<int> end_port;
};

enum class ListForm { absent, empty, entries };

struct RawRule {
  ListForm peers_form = ListForm::absent;
  std::vector<RawPeer> peers;
  ListForm ports_form = ListForm::absent;
  std::vector<RawPort> ports;
};

struct RawPolicy {
  std::string namespace_name;
  std::string name;
  RawSelector pod_selector;
  std::optional<std::vector<std::string>> policy_types;  // nullopt = field absent
  ListForm ingress_form = ListForm::absent;
  std::vector<RawRule> ingress;
  ListForm egress_form = ListForm::absent;
  std::vector<RawRule> egress;
};

struct RawContainerPort {
  std::string name;
  int port = 0;
  std::string protocol;  // TCP, UDP, SCTP
};

struct RawPod {
  std::string namespace_name;
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<RawContainerPort> ports;
  std::vector<std::string> addresses;  // podIPs in order; empty = pending
};

struct RawNamespace {
  std::string name;
  std::map<std::string, std::string> labels;  // without the automatic name label
  bool has_manifest = true;
};

struct RawCluster {
  std::vector<RawNamespace> namespaces;
  std::vector<RawPod> pods;
  std::vector<RawPolicy> policies;
};

RawCluster random_cluster(std::mt19937_64& rng);

// Connection attempts that probe the cluster where it is interesting: pod and non-pod
// addresses, ipBlock edges, every protocol, ports at range edges and named-port numbers.
std::vector<FlowQuery> random_flows(const RawCluster& cluster, size_t count, std::mt19937_64& rng);

Cluster to_model(const RawCluster& cluster);
std::string to_yaml(const RawCluster& cluster);

std::string describe_flow(const FlowQuery& flow);

}  // namespace podwall::testing
