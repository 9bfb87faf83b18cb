#include "tests/unit/policy/random_cluster.h"

#include <algorithm>
#include <set>

namespace podwall::testing {
namespace {

// rng() % n rather than std::uniform_int_distribution: the latter may differ between standard
// libraries, and a reported seed must replay the same cluster everywhere.
size_t below(std::mt19937_64& rng, size_t n) {
  return n == 0 ? 0 : size_t(rng() % n);
}
bool chance(std::mt19937_64& rng, int percent) {
  return int(rng() % 100) < percent;
}

template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[below(rng, from.size())];
}

// Small alphabets so that selectors, names and addresses collide often.
const std::map<std::string, std::vector<std::string>> kPodLabels = {
    {"app", {"web", "api", "db"}}, {"tier", {"a", "b"}}, {"env", {"prod", "dev"}}};
const std::map<std::string, std::vector<std::string>> kNamespaceLabels = {{"team", {"red", "blue"}},
                                                                          {"env", {"prod", "dev"}}};
const std::vector<std::string> kPortNames = {"http", "dns", "metrics", "admin"};
const std::vector<int> kPortNumbers = {53, 80, 443, 8080, 8443, 9090};
const std::vector<std::string> kProtocols = {"TCP", "UDP", "SCTP"};

std::string random_protocol(std::mt19937_64& rng) {
  size_t r = below(rng, 10);
  return r < 6 ? "TCP" : r < 8 ? "UDP" : "SCTP";
}

std::map<std::string, std::string> random_labels(
    std::mt19937_64& rng, const std::map<std::string, std::vector<std::string>>& alphabet) {
  std::map<std::string, std::string> labels;
  for (const auto& [key, values] : alphabet) {
    if (chance(rng, 60)) labels[key] = pick(rng, values);
  }
  return labels;
}

RawSelector random_selector(std::mt19937_64& rng,
                            const std::map<std::string, std::vector<std::string>>& alphabet) {
  RawSelector selector;
  std::vector<std::string> keys;
  for (const auto& entry : alphabet) keys.push_back(entry.first);
  size_t labels = below(rng, 3);
  for (size_t i = 0; i < labels; ++i) {
    const std::string& key = pick(rng, keys);
    selector.match_labels[key] = pick(rng, alphabet.at(key));
  }
  static const std::vector<std::string> ops = {"In", "NotIn", "Exists", "DoesNotExist"};
  size_t expressions = below(rng, 3);
  for (size_t i = 0; i < expressions; ++i) {
    RawExpression e;
    e.key = chance(rng, 15) ? "missing" : pick(rng, keys);
    e.op = pick(rng, ops);
    if (e.op == "In" || e.op == "NotIn") {
      std::set<std::string> values;
      const auto& pool = alphabet.count(e.key) ? alphabet.at(e.key) : kPortNames;
      size_t n = 1 + below(rng, 2);
      for (size_t j = 0; j < n; ++j) values.insert(pick(rng, pool));
      e.values.assign(values.begin(), values.end());
    }
    selector.match_expressions.push_back(e);
  }
  return selector;
}

// A prefix of `len` bits around a random address of 198.18.0.0/26 or 2001:2::/122, the ranges
// pod addresses come from, so that blocks and excepts cut through pods.
std::string random_prefix(std::mt19937_64& rng, bool v6, int len) {
  unsigned host = unsigned(below(rng, 64));
  int width = v6 ? 128 : 32;
  int host_bits = width - len;
  if (host_bits >= 6)
    host = 0;
  else
    host &= ~((1u << host_bits) - 1);
  char text[64];
  if (v6) {
    if (len < 64) return len == 0 ? "::/0" : "2001:2::/" + std::to_string(len);
    snprintf(text, sizeof text, "2001:2::%x/%d", host, len);
  } else {
    if (len <= 24) return len == 0 ? "0.0.0.0/0" : "198.18.0.0/" + std::to_string(len);
    snprintf(text, sizeof text, "198.18.0.%u/%d", host, len);
  }
  return text;
}

RawIpBlock random_ip_block(std::mt19937_64& rng) {
  bool v6 = chance(rng, 25);
  int width = v6 ? 128 : 32;
  int len;
  size_t shape = below(rng, 10);
  if (shape == 0)
    len = 0;  // everything of the family
  else if (shape == 1)
    len = v6 ? 48 : 16;  // far wider than the pods
  else
    len = width - 2 - int(below(rng, 5));  // /26../30 or /122../126
  RawIpBlock block{random_prefix(rng, v6, len), {}};
  size_t excepts = below(rng, 3);
  for (size_t i = 0; i < excepts; ++i) {
    int min_len = std::max(len + 1, width - 6);  // stay where the pods are
    int except_len = min_len + int(below(rng, width - min_len + 1));
    std::string except = random_prefix(rng, v6, except_len);
    // Must lie inside the block: true by construction except for the wide shapes.
    auto outer = Cidr::parse(block.cidr);
    auto inner = Cidr::parse(except);
    if (outer && inner && outer->contains(*inner) && inner->prefix_len > outer->prefix_len) {
      block.except.push_back(except);
    }
  }
  return block;
}

RawPeer random_peer(std::mt19937_64& rng) {
  RawPeer peer;
  size_t shape = below(rng, 4);
  if (shape == 0 || shape == 2) {
    peer.pod_selector = chance(rng, 20) ? RawSelector{} : random_selector(rng, kPodLabels);
  }
  if (shape == 1 || shape == 2) {
    peer.namespace_selector =
        chance(rng, 20) ? RawSelector{} : random_selector(rng, kNamespaceLabels);
    if (chance(rng, 15)) {  // the automatic label every namespace carries
      static const std::vector<std::string> names = {"ns-a", "ns-b", "ns-c"};
      peer.namespace_selector->match_labels["kubernetes.io/metadata.name"] = pick(rng, names);
    }
  }
  if (shape == 3) peer.ip_block = random_ip_block(rng);
  return peer;
}

RawPort random_port(std::mt19937_64& rng) {
  RawPort port;
  if (chance(rng, 70)) port.protocol = random_protocol(rng);
  size_t shape = below(rng, 20);
  if (shape < 3) return port;  // every port of the protocol
  if (shape < 10) {
    port.named_port = pick(rng, kPortNames);
    return port;
  }
  port.port = chance(rng, 70) ? pick(rng, kPortNumbers) : 1 + int(below(rng, 65535));
  if (chance(rng, 35)) {
    static const std::vector<int> widths = {0, 1, 5, 100, 70000};
    port.end_port = std::min(65535, *port.port + pick(rng, widths));
  }
  return port;
}

template <typename T, typename Make>
ListForm random_list(std::mt19937_64& rng, std::vector<T>& out, int absent_percent,
                     int empty_percent, size_t max_entries, Make make) {
  size_t r = below(rng, 100);
  if (int(r) < absent_percent) return ListForm::absent;
  if (int(r) < absent_percent + empty_percent) return ListForm::empty;
  size_t n = 1 + below(rng, max_entries);
  for (size_t i = 0; i < n; ++i) out.push_back(make());
  return ListForm::entries;
}

RawRule random_rule(std::mt19937_64& rng) {
  RawRule rule;
  rule.peers_form = random_list(rng, rule.peers, 25, 5, 3, [&] { return random_peer(rng); });
  rule.ports_form = random_list(rng, rule.ports, 40, 5, 3, [&] { return random_port(rng); });
  return rule;
}

RawPolicy random_policy(std::mt19937_64& rng, const std::string& ns, int index) {
  RawPolicy policy;
  policy.namespace_name = ns;
  policy.name = "pol" + std::to_string(index);
  if (!chance(rng, 30)) policy.pod_selector = random_selector(rng, kPodLabels);
  size_t types = below(rng, 20);
  if (types < 8) {
    // absent: inferred
  } else if (types < 9) {
    policy.policy_types = std::vector<std::string>{};
  } else if (types < 13) {
    policy.policy_types = std::vector<std::string>{"Ingress"};
  } else if (types < 16) {
    policy.policy_types = std::vector<std::string>{"Egress"};
  } else {
    policy.policy_types = std::vector<std::string>{"Ingress", "Egress"};
  }
  policy.ingress_form =
      random_list(rng, policy.ingress, 20, 15, 3, [&] { return random_rule(rng); });
  policy.egress_form = random_list(rng, policy.egress, 25, 15, 3, [&] { return random_rule(rng); });
  return policy;
}

}  // namespace

RawCluster random_cluster(std::mt19937_64& rng) {
  RawCluster cluster;
  static const std::vector<std::string> ns_names = {"ns-a", "ns-b", "ns-c"};
  size_t namespaces = 2 + below(rng, 2);
  for (size_t i = 0; i < namespaces; ++i) {
    RawNamespace ns{ns_names[i], random_labels(rng, kNamespaceLabels), !chance(rng, 20)};
    if (!ns.has_manifest) ns.labels.clear();  // implied by its objects: the name label only
    cluster.namespaces.push_back(ns);
  }
  std::vector<unsigned> hosts(62);
  for (unsigned i = 0; i < hosts.size(); ++i) hosts[i] = i + 1;
  std::shuffle(hosts.begin(), hosts.end(), rng);
  size_t pods = 3 + below(rng, 5);
  for (size_t i = 0; i < pods; ++i) {
    RawPod pod;
    pod.namespace_name = cluster.namespaces[below(rng, namespaces)].name;
    pod.name = "p" + std::to_string(i);
    pod.labels = random_labels(rng, kPodLabels);
    std::set<std::string> names;
    std::set<std::pair<int, std::string>> numbers;
    size_t ports = below(rng, 4);
    for (size_t j = 0; j < ports; ++j) {
      RawContainerPort port{chance(rng, 80) ? pick(rng, kPortNames) : "", pick(rng, kPortNumbers),
                            random_protocol(rng)};
      if (!port.name.empty() && !names.insert(port.name).second) continue;
      if (!numbers.insert({port.port, port.protocol}).second) continue;
      pod.ports.push_back(port);
    }
    unsigned host = hosts[i];
    size_t family = below(rng, 20);
    char text[64];
    if (family >= 2 && family < 18) {  // IPv4, and IPv6 too for some
      snprintf(text, sizeof text, "198.18.0.%u", host);
      pod.addresses.push_back(text);
    }
    if (family >= 14) {
      snprintf(text, sizeof text, "2001:2::%x", host);
      pod.addresses.push_back(text);
    }
    cluster.pods.push_back(pod);
  }
  size_t policies = 1 + below(rng, 4);
  for (size_t i = 0; i < policies; ++i) {
    cluster.policies.push_back(
        random_policy(rng, cluster.namespaces[below(rng, namespaces)].name, int(i)));
  }
  return cluster;
}

}  // namespace podwall::testing
