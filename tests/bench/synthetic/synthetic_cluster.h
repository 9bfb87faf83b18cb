#pragma once
// A synthetic, deterministic cluster at scale, for the compile and classify benchmarks and for
// exercising hot reload and `podwallctl check` on big inputs. Built as model objects directly
// (no YAML on the way in), and writable as manifests.
//
// The shape is meant to look like a real multi-team cluster rather than a worst case: namespaces
// labelled team/env/tier, pods labelled app/tier/version with container ports that fit their
// tier, ~10 policies per namespace drawn from the recipes people actually write (default deny,
// same-namespace app to app, cross-namespace by label in AND and OR form, ipBlocks with except,
// named ports, endPort ranges, egress to DNS, UDP and SCTP services, IPv6).
//
// Thread: any; everything here allocates freely. Same spec, same seed => same cluster, byte for
// byte, on every platform (no std:: distributions).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "control/model.h"
#include "dataplane/policy/classify.h"

namespace podwall {

struct SyntheticSpec {
  size_t namespaces = 1000;  // including kube-system, which hosts the DNS pods
  size_t pods = 100000;      // at most 131,000: IPv4 addresses come from 198.18.0.0/15
  size_t policies = 10000;
  uint64_t seed = 1;
};

// Throws std::invalid_argument if the spec does not fit the address plan.
Cluster make_synthetic_cluster(const SyntheticSpec& spec = {});

// One file per namespace (`<namespace>.yaml`: the Namespace, its Pods, its NetworkPolicies),
// written into `dir`, which is created if missing. Loading `dir` gives back `cluster`.
// Throws std::runtime_error on I/O failure.
void write_synthetic_manifests(const Cluster& cluster, const std::string& dir);

// `n` pod-to-pod connection attempts on ports the policies talk about. About
// `allowed_fraction_hint` of them are built from an ingress rule (a peer it names, on a port it
// opens) and so are likely, not certainly, allowed; the rest pair random pods.
std::vector<FlowQuery> sample_flows(const Cluster& cluster, size_t n, double allowed_fraction_hint,
                                    uint64_t seed);

}  // namespace podwall
