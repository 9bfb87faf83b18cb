// The incremental compiler (control/compiler/policy_compiler.h) against the full one and the
// reference evaluator. A random cluster is compiled once with a PolicyCompiler, then mutated
// step by step as a manifest directory would be edited: pods relabelled, container ports
// renamed, rules and peers edited, objects added and removed, now and then a namespace
// relabelled; sometimes several of these at once, sometimes none. Each step goes through
// update() with a ClusterDelta listing exactly the objects that changed, on the tables the
// previous step returned (freed right after, as the publisher frees them), and the result must
// give
//   - every flow the verdict reference_verdict() gives (classify() and classify_burst() alike),
//   - every flow the explanation text a fresh compile_policy() of the same cluster gives,
// and must leave the previous tables as they were (workers may still be reading them).
// The test counts how many steps patched and how many compiled in full, and why, and insists
// that a fair share of the small edits patched: otherwise it would prove nothing about the
// patch path.
//
// Deterministic: cluster i uses seed base+i for the cluster, its mutations and its flows. A
// failure prints the seed and the step; replay one cluster with
//   PODWALL_INCREMENTAL_SEED=<seed> PODWALL_INCREMENTAL_CLUSTERS=1
//     policy_test --gtest_filter='IncrementalProperty.*'
// (PODWALL_INCREMENTAL_VERBOSE=1 prints every mutation and how it was compiled;
// PODWALL_INCREMENTAL_KEEP_CLUSTER=1 keeps each Cluster given to the compiler alive until the
// next call, which the header does not ask for: a failure that goes away with it is a lifetime
// bug in the compiler).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "control/compiler/compiler.h"
#include "control/compiler/policy_compiler.h"
#include "dataplane/policy/classify.h"
#include "dataplane/policy/explain.h"
#include "tests/unit/policy/random_cluster.h"
#include "tests/unit/policy/reference_evaluator.h"

namespace podwall::testing {
namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value ? std::strtoull(value, nullptr, 0) : fallback;
}

const char* verdict_name(Verdict v) {
  return v == Verdict::allow ? "allow" : "deny";
}

// ---------------------------------------------------------------------------------------------
// The delta between two RawClusters, object by object.

// An object's content, as the manifest it would be written as: equal text, equal object. This
// is the manifest's content, not the model's: a policy edited only in a section its
// policyTypes leave out is listed as changed although its model is not. The loader would not
// list it; the compiler must give the same tables either way.
std::string content(const RawPod& pod) {
  return to_yaml(RawCluster{{}, {pod}, {}});
}
std::string content(const RawPolicy& policy) {
  return to_yaml(RawCluster{{}, {}, {policy}});
}
std::string content(const RawNamespace& ns) {
  std::string text = ns.name + (ns.has_manifest ? " manifest" : " implied");
  for (const auto& [key, value] : ns.labels) text += " " + key + "=" + value;
  return text;
}

template <typename T>
std::map<std::pair<std::string, std::string>, std::string> by_key(const std::vector<T>& objects) {
  std::map<std::pair<std::string, std::string>, std::string> out;
  for (const T& o : objects) out[{o.namespace_name, o.name}] = content(o);
  return out;
}

template <typename T>
void diff_objects(const std::vector<T>& before, const std::vector<T>& after,
                  const std::set<std::string>& old_namespaces, ClusterDelta& delta,
                  std::vector<ObjectKey>& added, std::vector<ObjectKey>& removed,
                  std::vector<ObjectKey>& changed) {
  auto old_objects = by_key(before);
  auto new_objects = by_key(after);
  for (const auto& [key, text] : new_objects) {
    auto it = old_objects.find(key);
    if (it == old_objects.end()) {
      added.push_back({key.first, key.second});
      // An object in a namespace that did not exist: the namespace appeared too.
      if (!old_namespaces.count(key.first)) delta.everything = true;
    } else if (it->second != text) {
      changed.push_back({key.first, key.second});
    }
  }
  for (const auto& [key, text] : old_objects) {
    if (!new_objects.count(key)) removed.push_back({key.first, key.second});
  }
}

ClusterDelta delta_between(const RawCluster& before, const RawCluster& after) {
  ClusterDelta delta;
  delta.everything = false;
  std::map<std::string, std::string> old_ns, new_ns;
  std::set<std::string> old_names;
  for (const RawNamespace& ns : before.namespaces) {
    old_ns[ns.name] = content(ns);
    old_names.insert(ns.name);
  }
  for (const RawNamespace& ns : after.namespaces) new_ns[ns.name] = content(ns);
  if (old_ns != new_ns) delta.everything = true;  // any Namespace change
  diff_objects(before.pods, after.pods, old_names, delta, delta.pods_added, delta.pods_removed,
               delta.pods_changed);
  diff_objects(before.policies, after.policies, old_names, delta, delta.policies_added,
               delta.policies_removed, delta.policies_changed);
  return delta;
}

std::string describe_delta(const ClusterDelta& delta) {
  std::string out = delta.everything ? "everything" : "";
  auto list = [&](const char* what, const std::vector<ObjectKey>& keys) {
    if (keys.empty()) return;
    out += std::string(out.empty() ? "" : " ") + what + "[";
    for (size_t i = 0; i < keys.size(); ++i) {
      out += (i ? " " : "") + keys[i].namespace_name + "/" + keys[i].name;
    }
    out += "]";
  };
  list("pods+", delta.pods_added);
  list("pods-", delta.pods_removed);
  list("pods~", delta.pods_changed);
  list("policies+", delta.policies_added);
  list("policies-", delta.policies_removed);
  list("policies~", delta.policies_changed);
  return out.empty() ? "(empty)" : out;
}

// ---------------------------------------------------------------------------------------------
// Random mutations. rng() % n throughout, as random_cluster.cpp does, so that a seed replays
// the same mutations with any standard library.

size_t below(std::mt19937_64& rng, size_t n) {
  return n == 0 ? 0 : size_t(rng() % n);
}
bool chance(std::mt19937_64& rng, int percent) {
  return int(rng() % 100) < percent;
}
template <typename T>
T& pick(std::mt19937_64& rng, std::vector<T>& from) {
  return from[below(rng, from.size())];
}
template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[below(rng, from.size())];
}

using Alphabet = std::map<std::string, std::vector<std::string>>;
// The label values the generator uses too, so that mutations meet the cluster's selectors.
const Alphabet kPodKeys = {
    {"app", {"web", "api", "db"}}, {"tier", {"a", "b"}}, {"env", {"prod", "dev"}}};
const Alphabet kNamespaceKeys = {{"team", {"red", "blue"}}, {"env", {"prod", "dev"}}};
// A label no selector of the generator or of these mutations ever reads.
const char* kUnreadKey = "unread.example.com/build";
const std::vector<std::string> kNamedPorts = {"http", "dns", "metrics", "admin"};
const std::vector<int> kPortNumbers = {53, 80, 443, 8080, 8443, 9090};
const std::vector<std::string> kProtocols = {"TCP", "UDP", "SCTP"};

std::string labels_text(const std::map<std::string, std::string>& labels) {
  std::string out = "{";
  for (const auto& [key, value] : labels) {
    out += (out.size() > 1 ? "," : "") + key + "=" + value;
  }
  return out + "}";
}

std::string key_of(const std::map<std::string, std::vector<std::string>>& alphabet,
                   std::mt19937_64& rng) {
  auto it = alphabet.begin();
  std::advance(it, below(rng, alphabet.size()));
  return it->first;
}

RawSelector new_selector(std::mt19937_64& rng, const Alphabet& alphabet) {
  RawSelector selector;
  if (chance(rng, 15)) return selector;  // {}
  size_t labels = below(rng, 3);
  for (size_t i = 0; i < labels; ++i) {
    std::string key = key_of(alphabet, rng);
    selector.match_labels[key] = pick(rng, alphabet.at(key));
  }
  if (labels == 0 || chance(rng, 30)) {
    static const std::vector<std::string> ops = {"In", "NotIn", "Exists", "DoesNotExist"};
    RawExpression e;
    e.key = key_of(alphabet, rng);
    e.op = pick(rng, ops);
    if (e.op == "In" || e.op == "NotIn") {
      std::set<std::string> values = {pick(rng, alphabet.at(e.key))};
      if (chance(rng, 40)) values.insert(pick(rng, alphabet.at(e.key)));
      e.values.assign(values.begin(), values.end());
    }
    selector.match_expressions.push_back(e);
  }
  return selector;
}

// An aligned prefix where the pods live (198.18.0.0/26, 2001:2::/122), maybe with an except.
RawIpBlock new_ip_block(std::mt19937_64& rng) {
  bool v6 = chance(rng, 20);
  int width = v6 ? 128 : 32;
  int len = chance(rng, 10) ? (v6 ? 64 : 24) : width - int(below(rng, 6));  // /27../32
  auto text = [&](unsigned host, int prefix) {
    char buf[64];
    if (v6) {
      snprintf(buf, sizeof buf, "2001:2::%x/%d", host, prefix);
    } else {
      snprintf(buf, sizeof buf, "198.18.0.%u/%d", host, prefix);
    }
    return std::string(buf);
  };
  int host_bits = std::min(width - len, 6);
  unsigned base = width - len >= 6 ? 0 : unsigned(below(rng, 64)) & ~((1u << host_bits) - 1);
  RawIpBlock block{text(base, len), {}};
  if (len < width && chance(rng, 35)) {
    int except_len = len + 1 + int(below(rng, size_t(std::min(width - len, 6))));
    except_len = std::max(except_len, width - 6);
    if (except_len > len && except_len <= width) {
      int except_bits = width - except_len;
      unsigned offset = unsigned(below(rng, size_t(1) << host_bits)) & ~((1u << except_bits) - 1);
      block.except.push_back(text(base + offset, except_len));
    }
  }
  return block;
}

RawPeer new_peer(std::mt19937_64& rng) {
  RawPeer peer;
  switch (below(rng, 4)) {
    case 0:
      peer.pod_selector = new_selector(rng, kPodKeys);
      break;
    case 1:
      peer.namespace_selector = new_selector(rng, kNamespaceKeys);
      if (chance(rng, 15)) {  // the label every namespace carries
        static const std::vector<std::string> names = {"ns-a", "ns-b", "ns-c"};
        peer.namespace_selector->match_labels["kubernetes.io/metadata.name"] = pick(rng, names);
      }
      break;
    case 2:
      peer.pod_selector = new_selector(rng, kPodKeys);
      peer.namespace_selector = new_selector(rng, kNamespaceKeys);
      break;
    default:
      peer.ip_block = new_ip_block(rng);
  }
  return peer;
}

RawPort new_port(std::mt19937_64& rng) {
  RawPort port;
  if (chance(rng, 60)) port.protocol = pick(rng, kProtocols);
  size_t shape = below(rng, 10);
  if (shape < 1) return port;  // every port of the protocol
  if (shape < 4) {
    port.named_port = pick(rng, kNamedPorts);
    return port;
  }
  port.port = pick(rng, kPortNumbers);
  if (chance(rng, 25)) port.end_port = *port.port + int(below(rng, 100));
  return port;
}

// Every peer the cluster's policies use: reusing one cuts no new class.
std::vector<RawPeer> peers_in(const RawCluster& raw) {
  std::vector<RawPeer> out;
  for (const RawPolicy& policy : raw.policies) {
    for (const auto* section : {&policy.ingress, &policy.egress}) {
      for (const RawRule& rule : *section) {
        out.insert(out.end(), rule.peers.begin(), rule.peers.end());
      }
    }
  }
  return out;
}

RawRule new_rule(std::mt19937_64& rng, const RawCluster& raw) {
  RawRule rule;
  std::vector<RawPeer> existing = peers_in(raw);
  if (!chance(rng, 20)) {
    rule.peers_form = ListForm::entries;
    size_t n = 1 + below(rng, 2);
    for (size_t i = 0; i < n; ++i) {
      rule.peers.push_back(!existing.empty() && chance(rng, 60) ? pick(rng, existing)
                                                                : new_peer(rng));
    }
  }
  if (!chance(rng, 40)) {
    rule.ports_form = ListForm::entries;
    size_t n = 1 + below(rng, 2);
    for (size_t i = 0; i < n; ++i) rule.ports.push_back(new_port(rng));
  }
  return rule;
}

enum class Mutation {
  relabel_copy,      // a pod takes the labels another pod has
  relabel_value,     // a pod's label gets another known value, a fresh one, or goes
  relabel_unread,    // a pod gains or changes a label no selector reads
  pod_ports,         // a pod's container ports are renamed, renumbered, added or removed
  pod_addresses,     // a pod gets, changes or loses its addresses
  rule_add,          // a policy gains a rule
  rule_remove,       // a policy loses a rule
  rule_ports,        // a rule's ports change
  peers_reuse,       // a rule gains or swaps in a peer some policy already uses, or drops one
  peers_new,         // a rule gains a peer with a new selector or ipBlock
  policy_selector,   // a policy's podSelector changes
  policy_types,      // a policy's policyTypes change
  pod_add,           // a pod appears (rarely in a new namespace)
  pod_remove,        // a pod goes
  policy_add,        // a policy appears
  policy_remove,     // a policy goes
  namespace_labels,  // a namespace is relabelled: everything
  count,
};

const char* mutation_name(Mutation m) {
  static const char* names[] = {
      "relabel_copy",    "relabel_value",   "relabel_unread", "pod_ports",   "pod_addresses",
      "rule_add",        "rule_remove",     "rule_ports",     "peers_reuse", "peers_new",
      "policy_selector", "policy_types",    "pod_add",        "pod_remove",  "policy_add",
      "policy_remove",   "namespace_labels"};
  static_assert(sizeof names / sizeof names[0] == size_t(Mutation::count));
  return names[int(m)];
}

// The edits update() is meant to patch, or that at least are small edits of one pod or one
// policy's rules: the patch path must take a fair share of these.
bool is_small_edit(Mutation m) {
  return m <= Mutation::peers_new && m != Mutation::pod_addresses;
}

// Weighted towards what the patch path handles.
const int kWeights[int(Mutation::count)] = {
    18, 6, 6, 8, 2,  // relabels, ports, addresses
    6,  5, 9, 9, 6,  // rules and peers
    4,  3,           // podSelector, policyTypes
    5,  4, 3, 3,     // add / remove
    3,               // namespace labels
};

Mutation pick_mutation(std::mt19937_64& rng) {
  int total = 0;
  for (int w : kWeights) total += w;
  int r = int(below(rng, size_t(total)));
  for (int i = 0; i < int(Mutation::count); ++i) {
    if (r < kWeights[i]) return Mutation(i);
    r -= kWeights[i];
  }
  return Mutation::relabel_copy;
}

std::string free_host(std::mt19937_64& rng, const RawCluster& raw, bool v6) {
  std::set<std::string> used;
  for (const RawPod& pod : raw.pods) used.insert(pod.addresses.begin(), pod.addresses.end());
  for (int attempt = 0; attempt < 200; ++attempt) {
    unsigned host = 1 + unsigned(below(rng, 62));
    char buf[64];
    if (v6) {
      snprintf(buf, sizeof buf, "2001:2::%x", host);
    } else {
      snprintf(buf, sizeof buf, "198.18.0.%u", host);
    }
    if (!used.count(buf)) return buf;
  }
  return "";
}

std::vector<RawRule>& rules_of(RawPolicy& policy, bool egress, ListForm*& form) {
  form = egress ? &policy.egress_form : &policy.ingress_form;
  return egress ? policy.egress : policy.ingress;
}

// One of the rules the cluster's policies have, or null when they have none.
RawRule* some_rule(std::mt19937_64& rng, RawCluster& raw, std::string& where) {
  struct Place {
    RawPolicy* policy;
    bool egress;
    size_t index;
  };
  std::vector<Place> places;
  for (RawPolicy& policy : raw.policies) {
    for (size_t i = 0; i < policy.ingress.size(); ++i) places.push_back({&policy, false, i});
    for (size_t i = 0; i < policy.egress.size(); ++i) places.push_back({&policy, true, i});
  }
  if (places.empty()) return nullptr;
  const Place& at = pick(rng, places);
  where = at.policy->namespace_name + "/" + at.policy->name + (at.egress ? " egress" : " ingress") +
          " rule " + std::to_string(at.index);
  return &(at.egress ? at.policy->egress : at.policy->ingress)[at.index];
}

// Applies one mutation of kind `m`; returns what it did, or "" when it cannot apply.
std::string apply_mutation(Mutation m, std::mt19937_64& rng, RawCluster& raw, int& serial) {
  switch (m) {
    case Mutation::relabel_copy: {
      if (raw.pods.size() < 2) return "";
      RawPod& pod = pick(rng, raw.pods);
      std::vector<const RawPod*> others, same_ns;
      for (const RawPod& other : raw.pods) {
        if (&other == &pod) continue;
        others.push_back(&other);
        if (other.namespace_name == pod.namespace_name) same_ns.push_back(&other);
      }
      const RawPod* from =
          !same_ns.empty() && chance(rng, 60) ? pick(rng, same_ns) : pick(rng, others);
      std::string text = "relabel " + pod.namespace_name + "/" + pod.name + " " +
                         labels_text(pod.labels) + " -> " + labels_text(from->labels) + " (as " +
                         from->namespace_name + "/" + from->name + ")";
      pod.labels = from->labels;
      return text;
    }
    case Mutation::relabel_value: {
      if (raw.pods.empty()) return "";
      RawPod& pod = pick(rng, raw.pods);
      std::string before = labels_text(pod.labels);
      std::string key = key_of(kPodKeys, rng);
      size_t r = below(rng, 10);
      if (r < 5) {
        pod.labels[key] = pick(rng, kPodKeys.at(key));
      } else if (r < 8) {
        pod.labels.erase(key);
      } else {
        pod.labels[key] = "fresh" + std::to_string(serial++);
      }
      return "relabel " + pod.namespace_name + "/" + pod.name + " " + before + " -> " +
             labels_text(pod.labels);
    }
    case Mutation::relabel_unread: {
      if (raw.pods.empty()) return "";
      RawPod& pod = pick(rng, raw.pods);
      std::string before = labels_text(pod.labels);
      if (pod.labels.count(kUnreadKey) && chance(rng, 30)) {
        pod.labels.erase(kUnreadKey);
      } else {
        pod.labels[kUnreadKey] = "b" + std::to_string(below(rng, 3));
      }
      return "relabel " + pod.namespace_name + "/" + pod.name + " " + before + " -> " +
             labels_text(pod.labels);
    }
    case Mutation::pod_ports: {
      if (raw.pods.empty()) return "";
      RawPod& pod = pick(rng, raw.pods);
      std::string what;
      size_t op = pod.ports.empty() ? 2 : below(rng, 4);
      auto name_free = [&](const std::string& name) {
        for (const auto& p : pod.ports) {
          if (p.name == name) return false;
        }
        return true;
      };
      auto number_free = [&](int number, const std::string& protocol) {
        for (const auto& p : pod.ports) {
          if (p.port == number && p.protocol == protocol) return false;
        }
        return true;
      };
      if (op == 0) {  // rename (or unname)
        RawContainerPort& port = pick(rng, pod.ports);
        std::string name = chance(rng, 20) ? "" : pick(rng, kNamedPorts);
        if (!name.empty() && !name_free(name)) return "";
        what =
            "rename port " + std::to_string(port.port) + " '" + port.name + "' -> '" + name + "'";
        port.name = name;
      } else if (op == 1) {  // renumber
        RawContainerPort& port = pick(rng, pod.ports);
        int number = pick(rng, kPortNumbers);
        if (!number_free(number, port.protocol)) return "";
        what = "renumber port '" + port.name + "' " + std::to_string(port.port) + " -> " +
               std::to_string(number);
        port.port = number;
      } else if (op == 2) {  // add
        RawContainerPort port{pick(rng, kNamedPorts), pick(rng, kPortNumbers),
                              pick(rng, kProtocols)};
        if (!name_free(port.name) || !number_free(port.port, port.protocol)) return "";
        what = "add port '" + port.name + "' " + std::to_string(port.port) + "/" + port.protocol;
        pod.ports.push_back(port);
      } else {  // remove
        size_t i = below(rng, pod.ports.size());
        what = "remove port '" + pod.ports[i].name + "' " + std::to_string(pod.ports[i].port);
        pod.ports.erase(pod.ports.begin() + long(i));
      }
      return what + " of " + pod.namespace_name + "/" + pod.name;
    }
    case Mutation::pod_addresses: {
      if (raw.pods.empty()) return "";
      RawPod& pod = pick(rng, raw.pods);
      std::string before;
      for (const auto& a : pod.addresses) before += " " + a;
      size_t op = below(rng, 3);
      if (op == 0) {
        pod.addresses.clear();
      } else {
        std::string v4 = free_host(rng, raw, false);
        if (v4.empty()) return "";
        pod.addresses = {v4};
        if (op == 2) {
          std::string v6 = free_host(rng, raw, true);
          if (!v6.empty()) pod.addresses.push_back(v6);
        }
      }
      std::string after;
      for (const auto& a : pod.addresses) after += " " + a;
      return "readdress " + pod.namespace_name + "/" + pod.name + " [" + before + " ] -> [" +
             after + " ]";
    }
    case Mutation::rule_add: {
      if (raw.policies.empty()) return "";
      RawPolicy& policy = pick(rng, raw.policies);
      bool egress = chance(rng, 40);
      ListForm* form;
      std::vector<RawRule>& rules = rules_of(policy, egress, form);
      rules.push_back(new_rule(rng, raw));
      *form = ListForm::entries;
      return "add " + std::string(egress ? "egress" : "ingress") + " rule to " +
             policy.namespace_name + "/" + policy.name;
    }
    case Mutation::rule_remove: {
      std::vector<std::pair<RawPolicy*, bool>> candidates;
      for (RawPolicy& policy : raw.policies) {
        if (!policy.ingress.empty()) candidates.push_back({&policy, false});
        if (!policy.egress.empty()) candidates.push_back({&policy, true});
      }
      if (candidates.empty()) return "";
      auto [policy, egress] = pick(rng, candidates);
      ListForm* form;
      std::vector<RawRule>& rules = rules_of(*policy, egress, form);
      size_t i = below(rng, rules.size());
      rules.erase(rules.begin() + long(i));
      if (rules.empty()) *form = ListForm::empty;
      return "remove " + std::string(egress ? "egress" : "ingress") + " rule " + std::to_string(i) +
             " of " + policy->namespace_name + "/" + policy->name;
    }
    case Mutation::rule_ports: {
      std::string where;
      RawRule* found = some_rule(rng, raw, where);
      if (!found) return "";
      RawRule& rule = *found;
      size_t op = rule.ports.empty() ? 1 : below(rng, 4);
      if (op == 0) {  // change one entry
        RawPort& port = pick(rng, rule.ports);
        if (port.port && chance(rng, 70)) {
          int number = pick(rng, kPortNumbers);
          port.port = number;
          if (port.end_port) port.end_port = std::max(*port.end_port, number);
        } else {
          port = new_port(rng);
        }
        return "change a port of " + where;
      }
      if (op == 1) {  // add an entry
        rule.ports.push_back(new_port(rng));
        rule.ports_form = ListForm::entries;
        return "add a port to " + where;
      }
      if (op == 2) {  // drop an entry
        rule.ports.erase(rule.ports.begin() + long(below(rng, rule.ports.size())));
        if (rule.ports.empty()) rule.ports_form = ListForm::absent;
        return "drop a port of " + where;
      }
      rule.ports.clear();
      rule.ports_form = ListForm::absent;
      return "drop every port of " + where;
    }
    case Mutation::peers_reuse: {
      std::vector<RawPeer> existing = peers_in(raw);
      std::string where;
      RawRule* found = some_rule(rng, raw, where);
      if (!found) return "";
      RawRule& rule = *found;
      size_t op = below(rng, 3);
      if (op == 0 && !rule.peers.empty()) {
        rule.peers.erase(rule.peers.begin() + long(below(rng, rule.peers.size())));
        if (rule.peers.empty()) rule.peers_form = ListForm::absent;
        return "drop a peer of " + where;
      }
      RawPeer peer;
      if (!existing.empty() && chance(rng, 80)) {
        peer = pick(rng, existing);
      } else {
        // Another policy's podSelector as a peer: a selector the cluster knows, in a new role.
        peer.pod_selector = pick(rng, raw.policies).pod_selector;
      }
      if (op == 1 && !rule.peers.empty()) {
        pick(rng, rule.peers) = peer;
        return "swap in a known peer in " + where;
      }
      rule.peers.push_back(peer);
      rule.peers_form = ListForm::entries;
      return "add a known peer to " + where;
    }
    case Mutation::peers_new: {
      std::string where;
      RawRule* found = some_rule(rng, raw, where);
      if (!found) return "";
      RawRule& rule = *found;
      RawPeer peer = new_peer(rng);
      std::string what = peer.ip_block ? "ipBlock " + peer.ip_block->cidr : "selector peer";
      if (!rule.peers.empty() && chance(rng, 50)) {
        pick(rng, rule.peers) = peer;
        return "swap in a new " + what + " in " + where;
      }
      rule.peers.push_back(peer);
      rule.peers_form = ListForm::entries;
      return "add a new " + what + " to " + where;
    }
    case Mutation::policy_selector: {
      if (raw.policies.empty()) return "";
      RawPolicy& policy = pick(rng, raw.policies);
      size_t r = below(rng, 3);
      if (r == 0) {
        policy.pod_selector = pick(rng, raw.policies).pod_selector;
      } else if (r == 1 && !raw.pods.empty()) {
        policy.pod_selector = RawSelector{pick(rng, raw.pods).labels, {}};
      } else {
        policy.pod_selector = new_selector(rng, kPodKeys);
      }
      return "new podSelector for " + policy.namespace_name + "/" + policy.name;
    }
    case Mutation::policy_types: {
      if (raw.policies.empty()) return "";
      RawPolicy& policy = pick(rng, raw.policies);
      using Types = std::optional<std::vector<std::string>>;
      static const std::vector<Types> choices = {
          std::nullopt, std::vector<std::string>{}, std::vector<std::string>{"Ingress"},
          std::vector<std::string>{"Egress"}, std::vector<std::string>{"Ingress", "Egress"}};
      policy.policy_types = pick(rng, choices);
      std::string text = "policyTypes of " + policy.namespace_name + "/" + policy.name + " -> ";
      if (!policy.policy_types) return text + "absent";
      text += "[";
      for (const auto& t : *policy.policy_types) text += " " + t;
      return text + " ]";
    }
    case Mutation::pod_add: {
      RawPod pod;
      if (chance(rng, 8) || raw.namespaces.empty()) {
        pod.namespace_name = "ns-new" + std::to_string(serial++);
        raw.namespaces.push_back(RawNamespace{pod.namespace_name, {}, false});
      } else {
        pod.namespace_name = pick(rng, raw.namespaces).name;
      }
      pod.name = "added" + std::to_string(serial++);
      if (!raw.pods.empty() && chance(rng, 60)) {
        pod.labels = pick(rng, raw.pods).labels;
      } else {
        for (const auto& [key, values] : kPodKeys) {
          if (chance(rng, 60)) pod.labels[key] = pick(rng, values);
        }
      }
      if (chance(rng, 50)) {
        pod.ports.push_back({pick(rng, kNamedPorts), pick(rng, kPortNumbers), "TCP"});
      }
      std::string v4 = free_host(rng, raw, false);
      if (!v4.empty()) pod.addresses.push_back(v4);
      if (chance(rng, 20)) {
        std::string v6 = free_host(rng, raw, true);
        if (!v6.empty()) pod.addresses.push_back(v6);
      }
      raw.pods.push_back(pod);
      return "add pod " + pod.namespace_name + "/" + pod.name + " " + labels_text(pod.labels);
    }
    case Mutation::pod_remove: {
      if (raw.pods.size() < 2) return "";
      size_t i = below(rng, raw.pods.size());
      std::string text = "remove pod " + raw.pods[i].namespace_name + "/" + raw.pods[i].name;
      raw.pods.erase(raw.pods.begin() + long(i));
      return text;
    }
    case Mutation::policy_add: {
      if (raw.namespaces.empty()) return "";
      RawPolicy policy;
      policy.namespace_name = pick(rng, raw.namespaces).name;
      policy.name = "added" + std::to_string(serial++);
      policy.pod_selector = new_selector(rng, kPodKeys);
      if (chance(rng, 50)) {
        policy.policy_types = chance(rng, 50) ? std::vector<std::string>{"Ingress"}
                                              : std::vector<std::string>{"Ingress", "Egress"};
      }
      size_t ingress = below(rng, 3), egress = below(rng, 3);
      for (size_t i = 0; i < ingress; ++i) policy.ingress.push_back(new_rule(rng, raw));
      for (size_t i = 0; i < egress; ++i) policy.egress.push_back(new_rule(rng, raw));
      policy.ingress_form = ingress ? ListForm::entries : ListForm::empty;
      policy.egress_form = egress ? ListForm::entries : ListForm::absent;
      std::string text = "add policy " + policy.namespace_name + "/" + policy.name;
      raw.policies.push_back(policy);
      return text;
    }
    case Mutation::policy_remove: {
      if (raw.policies.empty()) return "";
      size_t i = below(rng, raw.policies.size());
      std::string text =
          "remove policy " + raw.policies[i].namespace_name + "/" + raw.policies[i].name;
      raw.policies.erase(raw.policies.begin() + long(i));
      return text;
    }
    case Mutation::namespace_labels: {
      if (raw.namespaces.empty()) return "";
      RawNamespace& ns = pick(rng, raw.namespaces);
      std::string before = labels_text(ns.labels);
      std::string key = key_of(kNamespaceKeys, rng);
      if (ns.labels.count(key) && chance(rng, 30)) {
        ns.labels.erase(key);
      } else {
        ns.labels[key] = pick(rng, kNamespaceKeys.at(key));
      }
      ns.has_manifest = true;
      return "relabel namespace " + ns.name + " " + before + " -> " + labels_text(ns.labels);
    }
    case Mutation::count:
      break;
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// The property.

struct Counts {
  size_t updates = 0;
  size_t patched = 0;
};

struct Totals {
  size_t clusters = 0;
  size_t updates = 0;
  size_t flows = 0;
  size_t allowed = 0;
  size_t failures = 0;
  // Per mutation kind, then steps of several mutations, then steps that change nothing.
  Counts by_step[int(Mutation::count) + 2];
  std::map<std::string, size_t> full_reasons;
};

std::string explanation_text(const PolicyTables& tables, const FlowQuery& flow) {
  return format_explanation(tables, explain(tables, flow));
}

// Checks one step's tables; returns false (after reporting) when they are wrong.
bool check_step(const std::string& context, const RawCluster& raw, const PolicyTables& updated,
                const PolicyTables& fresh, const std::vector<FlowQuery>& flows, Totals& totals) {
  bool ok = true;
  std::vector<Verdict> batched(flows.size());
  classify_burst(updated, flows.data(), uint32_t(flows.size()), batched.data());
  for (size_t i = 0; i < flows.size(); ++i) {
    const FlowQuery& flow = flows[i];
    Verdict want = reference_verdict(raw, flow);
    Verdict got = classify(updated, flow);
    Verdict full = classify(fresh, flow);
    totals.allowed += want == Verdict::allow;
    std::string got_why = explanation_text(updated, flow);
    std::string full_why = explanation_text(fresh, flow);
    std::string problem;
    if (batched[i] != got) {
      problem = std::string("classify() says ") + verdict_name(got) + ", classify_burst() says " +
                verdict_name(batched[i]);
    } else if (got != want) {
      problem = std::string("reference says ") + verdict_name(want) + ", updated tables say " +
                verdict_name(got) + ", a fresh compile says " + verdict_name(full) +
                (full != want ? " (compile_policy() disagrees with the reference too)" : "");
    } else if (got != full) {
      problem = std::string("updated tables say ") + verdict_name(got) + ", a fresh compile says " +
                verdict_name(full);
    } else if (got_why != full_why) {
      problem = "same verdict (" + std::string(verdict_name(got)) + "), different explanation";
    }
    if (problem.empty()) continue;
    ok = false;
    if (++totals.failures <= 20) {
      ADD_FAILURE() << context << "\n  flow " << describe_flow(flow) << ": " << problem
                    << "\n  updated: " << got_why << "\n  fresh:   " << full_why;
    }
  }
  return ok;
}

// Verdicts of `flows` on `tables`, to check that update() leaves its `previous` alone.
std::vector<std::string> fingerprint(const PolicyTables& tables,
                                     const std::vector<FlowQuery>& flows) {
  std::vector<std::string> out;
  for (const FlowQuery& flow : flows) {
    out.push_back(std::string(verdict_name(classify(tables, flow))) + " " +
                  explanation_text(tables, flow));
  }
  return out;
}

TEST(IncrementalProperty, UpdatesAgreeWithTheReferenceAndAFullCompile) {
  const uint64_t base = env_or("PODWALL_INCREMENTAL_SEED", 0x5eed1234);
  const uint64_t clusters = env_or("PODWALL_INCREMENTAL_CLUSTERS", 300);
  const bool verbose = env_or("PODWALL_INCREMENTAL_VERBOSE", 0) != 0;
  // The header asks nothing of the Cluster a call is given once the call returns, so by
  // default each one is gone by the next call. =1 keeps it alive until then, to tell a
  // lifetime bug in the compiler from any other.
  const bool keep_cluster = env_or("PODWALL_INCREMENTAL_KEEP_CLUSTER", 0) != 0;
  const size_t flows_per_step = 30;
  Totals totals;
  for (uint64_t c = 0; c < clusters; ++c) {
    const uint64_t seed = base + c;
    std::mt19937_64 rng(seed);
    RawCluster raw = random_cluster(rng);
    ++totals.clusters;
    PolicyCompiler compiler;
    auto given = std::make_unique<Cluster>(to_model(raw));
    std::unique_ptr<PolicyTables> current = compiler.compile(*given);
    if (!keep_cluster) given.reset();
    ASSERT_NE(current, nullptr) << "seed " << seed;
    std::vector<FlowQuery> flows = random_flows(raw, flows_per_step, rng);
    auto fresh = compile_policy(to_model(raw));
    std::string replay =
        "PODWALL_INCREMENTAL_SEED=" + std::to_string(seed) + " PODWALL_INCREMENTAL_CLUSTERS=1";
    if (!check_step("seed " + std::to_string(seed) + " (" + replay + "), compile()", raw, *current,
                    *fresh, flows, totals)) {
      continue;
    }
    std::string history;
    int serial = 0;
    const size_t steps = 10 + below(rng, 11);
    for (size_t step = 0; step < steps; ++step) {
      // Mostly one mutation; sometimes several in one delta, as when the watcher coalesces
      // edits; now and then none (a file touched, rewritten the same).
      RawCluster before = raw;
      size_t wanted = chance(rng, 3) ? 0 : chance(rng, 20) ? 2 + below(rng, 2) : 1;
      std::vector<Mutation> applied;
      std::string what;
      for (size_t k = 0; k < wanted; ++k) {
        RawCluster start = raw;
        for (int attempt = 0; attempt < 50; ++attempt) {
          Mutation m = pick_mutation(rng);
          raw = start;
          std::string text = apply_mutation(m, rng, raw, serial);
          if (!text.empty() && to_yaml(raw) != to_yaml(start)) {
            applied.push_back(m);
            what +=
                (what.empty() ? "" : " + ") + ("[" + std::string(mutation_name(m)) + "] ") + text;
            break;
          }
          raw = start;
        }
      }
      if (wanted > 0 && applied.empty()) continue;
      const int kind = applied.empty()       ? int(Mutation::count) + 1
                       : applied.size() == 1 ? int(applied[0])
                                             : int(Mutation::count);
      if (applied.empty()) what = "no change";
      ClusterDelta delta = delta_between(before, raw);
      auto model = std::make_unique<Cluster>(to_model(raw));
      std::vector<std::string> previous_print = fingerprint(*current, flows);
      std::unique_ptr<PolicyTables> next = compiler.update(*model, delta, *current);
      ASSERT_NE(next, nullptr) << "seed " << seed << " step " << step;
      const bool patched = compiler.last_was_patch();
      const std::string reason = compiler.last_full_reason();
      ++totals.updates;
      ++totals.by_step[kind].updates;
      totals.by_step[kind].patched += patched;
      if (!patched) ++totals.full_reasons[reason];
      std::string how = patched ? "patched" : "full (" + reason + ")";
      history += "\n    step " + std::to_string(step) + ": " + what + "; delta " +
                 describe_delta(delta) + "; " + how;
      if (verbose)
        std::printf("seed %llu step %zu: %s\n", (unsigned long long)seed, step,
                    history.substr(history.rfind("\n") + 1).c_str());
      std::string context = "seed " + std::to_string(seed) + " (" + replay + "), step " +
                            std::to_string(step) + ": " + what +
                            "\n  delta: " + describe_delta(delta) + "\n  update(): " + how;

      bool ok = true;
      if (fingerprint(*current, flows) != previous_print) {
        ok = false;
        if (++totals.failures <= 20) {
          ADD_FAILURE() << context << "\n  update() changed the previous tables";
        }
      }
      if (applied.empty() && !patched) {
        ok = false;
        if (++totals.failures <= 20) {
          ADD_FAILURE() << context << "\n  nothing changed, yet update() compiled in full";
        }
      }
      if (delta.everything && patched) {
        ok = false;
        if (++totals.failures <= 20) {
          ADD_FAILURE() << context << "\n  patched although delta.everything is set";
        }
      }
      current = std::move(next);  // the previous tables go, as the publisher frees them
      fresh = compile_policy(*model);
      if (keep_cluster) {
        given = std::move(model);
      } else {
        model.reset();
      }
      flows = random_flows(raw, flows_per_step, rng);
      totals.flows += flows.size();
      ok = check_step(context, raw, *current, *fresh, flows, totals) && ok;
      if (!ok) {
        if (totals.failures <= 20) {
          ADD_FAILURE() << "seed " << seed << ": the steps so far:" << history
                        << "\n  cluster before the failing step:\n"
                        << to_yaml(before) << "\n  cluster after it:\n"
                        << to_yaml(raw);
        }
        break;  // later steps would build on wrong tables
      }
    }
  }
  EXPECT_EQ(totals.failures, 0u) << "failures (first 20 shown above)";

  std::printf("incremental: %zu clusters, %zu updates, %zu flows (%zu allowed)\n", totals.clusters,
              totals.updates, totals.flows, totals.allowed);
  std::printf("  %-18s %8s %8s\n", "mutation", "updates", "patched");
  size_t small = 0, small_patched = 0, patched = 0;
  for (int i = 0; i < int(Mutation::count) + 2; ++i) {
    const Counts& n = totals.by_step[i];
    const char* name = i < int(Mutation::count)    ? mutation_name(Mutation(i))
                       : i == int(Mutation::count) ? "(several at once)"
                                                   : "(no change)";
    std::printf("  %-18s %8zu %8zu\n", name, n.updates, n.patched);
    patched += n.patched;
    if (i < int(Mutation::count) && is_small_edit(Mutation(i))) {
      small += n.updates;
      small_patched += n.patched;
    }
  }
  std::printf("  patched %zu of %zu updates; %zu of %zu small edits\n", patched, totals.updates,
              small_patched, small);
  std::printf("  full compiles by reason:\n");
  for (const auto& [reason, n] : totals.full_reasons) {
    std::printf("  %8zu  %s\n", n, reason.c_str());
  }
  // Without patches the test says nothing about the patch path.
  if (small >= 100) {
    EXPECT_GT(small_patched * 100, small * 30)
        << small_patched << " of " << small << " relabels and rule edits patched";
  }
}

// ---------------------------------------------------------------------------------------------
// By hand: one namespace, three pods, a policy allowing app=a -> app=b on TCP 80.

// An Ingress policy in `default`: pods labelled `selected` admit pods with app=`from` on TCP
// `port`.
RawPolicy ingress_policy(const std::string& name, std::pair<std::string, std::string> selected,
                         const std::string& from, int port) {
  RawPolicy policy;
  policy.namespace_name = "default";
  policy.name = name;
  policy.pod_selector.match_labels = {selected};
  policy.policy_types = std::vector<std::string>{"Ingress"};
  RawRule rule;
  rule.peers_form = ListForm::entries;
  rule.peers.push_back(RawPeer{RawSelector{{{"app", from}}, {}}, std::nullopt, std::nullopt});
  rule.ports_form = ListForm::entries;
  rule.ports.push_back(RawPort{"TCP", port, "", std::nullopt});
  policy.ingress_form = ListForm::entries;
  policy.ingress.push_back(rule);
  return policy;
}

RawCluster tiny_cluster() {
  RawCluster raw;
  raw.namespaces.push_back(RawNamespace{"default", {}, true});
  raw.pods.push_back(RawPod{"default", "a", {{"app", "a"}}, {}, {"198.18.0.1"}});
  raw.pods.push_back(RawPod{"default", "b", {{"app", "b"}}, {{"http", 80, "TCP"}}, {"198.18.0.2"}});
  raw.pods.push_back(RawPod{"default", "c", {{"app", "c"}}, {}, {"198.18.0.3"}});
  raw.policies.push_back(ingress_policy("a-to-b", {"app", "b"}, "a", 80));
  return raw;
}

FlowQuery tcp(const char* src, const char* dst, uint16_t port) {
  return FlowQuery{*IpAddress::parse(src), *IpAddress::parse(dst), 6, port};
}

// update() for the change from `before` to `after`; checks the flows against the reference
// and a fresh compile, and returns whether it patched.
bool update_and_check(PolicyCompiler& compiler, std::unique_ptr<PolicyTables>& current,
                      const RawCluster& before, const RawCluster& after,
                      const std::vector<FlowQuery>& flows) {
  ClusterDelta delta = delta_between(before, after);
  EXPECT_FALSE(delta.everything);
  auto next = compiler.update(to_model(after), delta, *current);
  EXPECT_NE(next, nullptr);
  if (!next) return false;
  current = std::move(next);
  auto fresh = compile_policy(to_model(after));
  for (const FlowQuery& flow : flows) {
    EXPECT_EQ(classify(*current, flow), reference_verdict(after, flow)) << describe_flow(flow);
    EXPECT_EQ(explanation_text(*current, flow), explanation_text(*fresh, flow))
        << describe_flow(flow);
  }
  return compiler.last_was_patch();
}

// A daemon patches for months: what patches leave behind (provenance, rule references, moved
// filters, identities whose pods left) must be compacted, not pile up.
TEST(IncrementalUpdate, ThousandsOfPatchesKeepTheTablesBounded) {
  RawCluster raw = tiny_cluster();
  PolicyCompiler compiler;
  auto tables = compiler.compile(to_model(raw));
  ASSERT_NE(tables, nullptr);
  const auto fresh = compile_policy(to_model(raw));
  const std::vector<FlowQuery> flows = {tcp("198.18.0.1", "198.18.0.2", 80),
                                        tcp("198.18.0.1", "198.18.0.2", 81),
                                        tcp("198.18.0.3", "198.18.0.2", 80)};
  size_t patched = 0, compactions = 0, largest = 0;
  const size_t updates = 12000;
  for (size_t i = 0; i < updates; ++i) {
    RawCluster next = raw;
    if (i % 2 == 0) {
      // A label nothing selects on, new every time (as a rollout's pod-template-hash is).
      next.pods[2].labels["pod-template-hash"] = "h" + std::to_string(i);
    } else {
      next.policies[0].ingress[0].ports[0].port =
          raw.policies[0].ingress[0].ports[0].port == 80 ? 81 : 80;
    }
    ClusterDelta delta = delta_between(raw, next);
    auto updated = compiler.update(to_model(next), delta, *tables);
    ASSERT_NE(updated, nullptr);
    tables = std::move(updated);
    raw = std::move(next);
    patched += compiler.last_was_patch();
    compactions += std::string(compiler.last_full_reason()).find("compacting") == 0;
    largest = std::max({largest, tables->provenance.size(), tables->rule_refs.size(),
                        tables->allow_filter.size(), tables->identities.size()});
  }
  for (const FlowQuery& flow : flows) {
    EXPECT_EQ(classify(*tables, flow), reference_verdict(raw, flow)) << describe_flow(flow);
  }
  EXPECT_GT(patched, updates * 9 / 10);
  EXPECT_GE(compactions, 1u);
  // Bounded by twice a compile's size plus the slack the compiler allows (4096), plus one
  // update's worth.
  size_t compiled = std::max({fresh->provenance.size(), fresh->rule_refs.size(),
                              fresh->allow_filter.size(), fresh->identities.size()});
  EXPECT_LE(largest, 2 * compiled + 4096 + 16);
}

// A relabel that puts a pod under a combination of policies no pod had before makes a new
// group: its rows are built on their own, without a full compile.
TEST(IncrementalUpdate, RelabelIntoANewCombinationOfPoliciesIsPatched) {
  RawCluster raw = tiny_cluster();
  raw.policies.push_back(ingress_policy("c-to-web", {"tier", "web"}, "c", 8080));
  PolicyCompiler compiler;
  auto tables = compiler.compile(to_model(raw));
  ASSERT_NE(tables, nullptr);
  const FlowQuery a80 = tcp("198.18.0.1", "198.18.0.2", 80);
  const FlowQuery c80 = tcp("198.18.0.3", "198.18.0.2", 80);
  const FlowQuery c8080 = tcp("198.18.0.3", "198.18.0.2", 8080);
  const std::vector<FlowQuery> flows = {a80, c80, c8080};
  EXPECT_EQ(classify(*tables, c8080), Verdict::deny);

  // b (selected by a-to-b) also becomes tier=web: selected by both policies, which no pod was.
  RawCluster after = raw;
  after.pods[1].labels["tier"] = "web";
  EXPECT_TRUE(update_and_check(compiler, tables, raw, after, flows)) << compiler.last_full_reason();
  EXPECT_EQ(classify(*tables, a80), Verdict::allow);
  EXPECT_EQ(classify(*tables, c80), Verdict::deny);
  EXPECT_EQ(classify(*tables, c8080), Verdict::allow);
}

TEST(IncrementalUpdate, RelabelledPodAndEditedPortArePatched) {
  RawCluster raw = tiny_cluster();
  PolicyCompiler compiler;
  auto tables = compiler.compile(to_model(raw));
  ASSERT_NE(tables, nullptr);
  EXPECT_FALSE(compiler.last_was_patch());
  const FlowQuery a80 = tcp("198.18.0.1", "198.18.0.2", 80);
  const FlowQuery c80 = tcp("198.18.0.3", "198.18.0.2", 80);
  const FlowQuery a81 = tcp("198.18.0.1", "198.18.0.2", 81);
  const FlowQuery c81 = tcp("198.18.0.3", "198.18.0.2", 81);
  const std::vector<FlowQuery> flows = {a80, c80, a81, c81};
  EXPECT_EQ(classify(*tables, a80), Verdict::allow);
  EXPECT_EQ(classify(*tables, c80), Verdict::deny);

  // c: app=c -> app=a, the labels a already has.
  RawCluster before = raw;
  raw.pods[2].labels = {{"app", "a"}};
  EXPECT_TRUE(update_and_check(compiler, tables, before, raw, flows))
      << compiler.last_full_reason();
  EXPECT_EQ(classify(*tables, c80), Verdict::allow);
  EXPECT_EQ(classify(*tables, c81), Verdict::deny);

  // The rule's port 80 -> 81.
  before = raw;
  raw.policies[0].ingress[0].ports[0].port = 81;
  EXPECT_TRUE(update_and_check(compiler, tables, before, raw, flows))
      << compiler.last_full_reason();
  EXPECT_EQ(classify(*tables, a80), Verdict::deny);
  EXPECT_EQ(classify(*tables, c80), Verdict::deny);
  EXPECT_EQ(classify(*tables, a81), Verdict::allow);
  EXPECT_EQ(classify(*tables, c81), Verdict::allow);

  // A label no selector reads changes nothing but the identity.
  before = raw;
  raw.pods[0].labels[kUnreadKey] = "b1";
  EXPECT_TRUE(update_and_check(compiler, tables, before, raw, flows))
      << compiler.last_full_reason();
  EXPECT_EQ(classify(*tables, a81), Verdict::allow);

  // And back: c leaves the allowed set again. Patched or not: whether the compiler still knows
  // a pod class for app=c after c left it is its own business.
  before = raw;
  raw.pods[2].labels = {{"app", "c"}};
  update_and_check(compiler, tables, before, raw, flows);
  EXPECT_EQ(classify(*tables, c81), Verdict::deny);
  EXPECT_EQ(classify(*tables, a81), Verdict::allow);
}

TEST(IncrementalUpdate, NamedPortAndStructuralChangesFollowTheCluster) {
  RawCluster raw = tiny_cluster();
  raw.policies[0].ingress[0].ports[0] = RawPort{"TCP", std::nullopt, "http", std::nullopt};
  PolicyCompiler compiler;
  auto tables = compiler.compile(to_model(raw));
  ASSERT_NE(tables, nullptr);
  const FlowQuery a80 = tcp("198.18.0.1", "198.18.0.2", 80);
  const FlowQuery a8080 = tcp("198.18.0.1", "198.18.0.2", 8080);
  const std::vector<FlowQuery> flows = {a80, a8080, tcp("198.18.0.3", "198.18.0.2", 80),
                                        tcp("198.18.0.3", "198.18.0.2", 8080)};
  EXPECT_EQ(classify(*tables, a80), Verdict::allow);

  // b's port "http" moves 80 -> 8080: the named port follows, patched or not.
  RawCluster before = raw;
  raw.pods[1].ports[0].port = 8080;
  update_and_check(compiler, tables, before, raw, flows);
  EXPECT_EQ(classify(*tables, a80), Verdict::deny);
  EXPECT_EQ(classify(*tables, a8080), Verdict::allow);

  // A new namespace label: everything, so a full compile.
  before = raw;
  raw.namespaces[0].labels["team"] = "red";
  ClusterDelta delta = delta_between(before, raw);
  EXPECT_TRUE(delta.everything);
  tables = compiler.update(to_model(raw), delta, *tables);
  ASSERT_NE(tables, nullptr);
  EXPECT_FALSE(compiler.last_was_patch());
  EXPECT_EQ(classify(*tables, a8080), Verdict::allow);

  // The policy goes: b is no longer isolated.
  before = raw;
  raw.policies.clear();
  update_and_check(compiler, tables, before, raw, flows);
  EXPECT_EQ(classify(*tables, tcp("198.18.0.3", "198.18.0.2", 1234)), Verdict::allow);
}

// The delta helper is part of the test: it must list exactly what changed.
TEST(IncrementalUpdate, DeltaListsExactlyTheChangedObjects) {
  RawCluster before = tiny_cluster();
  RawCluster after = before;
  after.pods[0].labels["app"] = "z";
  after.pods.erase(after.pods.begin() + 2);
  after.pods.push_back(RawPod{"default", "d", {}, {}, {"198.18.0.4"}});
  after.policies[0].ingress[0].ports[0].port = 443;
  ClusterDelta delta = delta_between(before, after);
  EXPECT_FALSE(delta.everything);
  EXPECT_EQ(describe_delta(delta),
            "pods+[default/d] pods-[default/c] pods~[default/a] policies~[default/a-to-b]");
  after.pods.push_back(RawPod{"elsewhere", "e", {}, {}, {}});
  after.namespaces.push_back(RawNamespace{"elsewhere", {}, false});
  EXPECT_TRUE(delta_between(before, after).everything);
  EXPECT_TRUE(delta_between(before, before).empty());
}

}  // namespace
}  // namespace podwall::testing
