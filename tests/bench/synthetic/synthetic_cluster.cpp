#include "tests/bench/synthetic/synthetic_cluster.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "tests/bench/synthetic/synthetic_random.h"

namespace podwall {
namespace {

using synthetic::Random;

const std::vector<std::string> kEnvs = {"prod", "prod", "staging", "dev"};
const std::vector<std::string> kNamespaceTiers = {"frontend", "backend", "data"};
const std::vector<std::string> kPodTiers = {"web", "api", "db", "cache", "worker"};
const std::vector<std::string> kVersions = {"v1", "v2", "v3"};
constexpr int kApps = 12;
constexpr int kTeams = 50;
constexpr uint32_t kV4Base = 0xC6120000u;  // 198.18.0.0; the /15 holds 131,072 addresses
constexpr size_t kMaxPods = 131000;

struct Workload {
  Labels labels;
  std::vector<ContainerPort> ports;
};

std::string numbered(const char* prefix, size_t i, int width) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%0*zu", prefix, width, i);
  return buf;
}

// Container ports fit the pod's tier, so named ports resolve differently across pods.
std::vector<ContainerPort> ports_for(const std::string& tier) {
  using P = Protocol;
  if (tier == "web") return {{"http", 80, P::tcp}, {"https", 443, P::tcp}};
  if (tier == "api")
    return {{"http", 8080, P::tcp}, {"grpc", 9090, P::tcp}, {"metrics", 9100, P::tcp}};
  if (tier == "db") return {{"postgres", 5432, P::tcp}, {"metrics", 9187, P::tcp}};
  if (tier == "cache") return {{"redis", 6379, P::tcp}, {"statsd", 8125, P::udp}};
  return {{"http", 8000, P::tcp}, {"metrics", 9100, P::tcp}, {"diameter", 3868, P::sctp}};
}

IpAddress v6_for(size_t index) {
  uint8_t bytes[16] = {0x20, 0x01, 0x00, 0x02};  // 2001:2::/48
  bytes[13] = uint8_t(index >> 16);
  bytes[14] = uint8_t(index >> 8);
  bytes[15] = uint8_t(index);
  return IpAddress::v6(bytes);
}

Cidr cidr(const std::string& text) {
  return *Cidr::parse(text);
}

LabelSelector labels(Labels l) {
  LabelSelector s;
  s.match_labels = std::move(l);
  return s;
}

SelectorRequirement requirement(std::string key, SelectorOp op, std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return {std::move(key), op, std::move(values)};
}

PolicyPeer pods(LabelSelector s) {
  PolicyPeer p;
  p.pod_selector = std::move(s);
  return p;
}

PolicyPeer namespaces(LabelSelector s) {
  PolicyPeer p;
  p.namespace_selector = std::move(s);
  return p;
}

PolicyPeer both(LabelSelector ns, LabelSelector pod) {
  PolicyPeer p;
  p.namespace_selector = std::move(ns);
  p.pod_selector = std::move(pod);
  return p;
}

PolicyPeer block(const std::string& base, std::vector<std::string> except) {
  PolicyPeer p;
  IpBlock b{cidr(base), {}};
  for (const auto& e : except) b.except.push_back(cidr(e));
  p.ip_block = std::move(b);
  return p;
}

PolicyPort number(Protocol proto, uint16_t port, std::optional<uint16_t> end = std::nullopt) {
  PolicyPort p;
  p.protocol = proto;
  p.port = port;
  p.end_port = end;
  return p;
}

PolicyPort named(Protocol proto, std::string name) {
  PolicyPort p;
  p.protocol = proto;
  p.named_port = std::move(name);
  return p;
}

std::string app(Random& rng) {
  return "app-" + std::to_string(rng.below(kApps));
}
std::string team(Random& rng) {
  return numbered("team-", rng.below(kTeams), 2);
}

// A /20 somewhere in 198.18.0.0/15 minus one or two /24s inside it.
PolicyPeer random_v4_block(Random& rng) {
  unsigned third = unsigned(rng.below(32)) * 16;  // 0..496 across the two /16s
  std::string net = "198." + std::to_string(18 + third / 256) + ".";
  unsigned base = third % 256;
  std::vector<std::string> except = {net + std::to_string(base + rng.below(16)) + ".0/24"};
  if (rng.chance(40)) except.push_back(net + std::to_string(base + rng.below(16)) + ".128/25");
  std::sort(except.begin(), except.end());
  except.erase(std::unique(except.begin(), except.end()), except.end());
  return block(net + std::to_string(base) + ".0/20", except);
}

NetworkPolicy make_policy(Random& rng, const std::string& ns, size_t index, bool first) {
  NetworkPolicy p;
  p.namespace_name = ns;
  p.isolates_ingress = true;
  using P = Protocol;
  int recipe = first ? 0 : 1 + int(rng.below(13));
  std::string name;
  switch (recipe) {
    case 0:  // default deny ingress for the whole namespace
      name = "default-deny";
      break;
    case 1: {  // same-namespace app to app, on the receiver's named http port
      name = "app-to-app";
      p.pod_selector = labels({{"app", app(rng)}});
      p.ingress.push_back({{pods(labels({{"app", app(rng)}}))}, {named(P::tcp, "http")}, {}});
      break;
    }
    case 2: {  // cross-namespace, both selectors in one entry (AND)
      name = "team-web-to-api";
      p.pod_selector = labels({{"tier", "api"}});
      p.ingress.push_back({{both(labels({{"team", team(rng)}}), labels({{"tier", "web"}}))},
                           {number(P::tcp, 8080)},
                           {}});
      break;
    }
    case 3: {  // the OR form: any pod of prod namespaces, or web pods of this namespace
      name = "prod-or-web";
      p.pod_selector = labels({{"app", app(rng)}});
      p.ingress.push_back({{namespaces(labels({{"env", "prod"}})), pods(labels({{"tier", "web"}}))},
                           {number(P::tcp, 443), number(P::tcp, 80)},
                           {}});
      break;
    }
    case 4: {  // a partner range, with holes
      name = "partner-range";
      p.pod_selector = labels({{"tier", "web"}});
      p.ingress.push_back({{random_v4_block(rng)}, {number(P::tcp, 443)}, {}});
      break;
    }
    case 5: {  // metrics scraped by the monitoring app of backend namespaces, by port name
      name = "allow-metrics";
      p.ingress.push_back({{both(labels({{"tier", "backend"}}), labels({{"app", "app-0"}}))},
                           {named(P::tcp, "metrics")},
                           {}});
      break;
    }
    case 6: {  // port ranges for workers, from prod and staging namespaces
      name = "worker-ranges";
      p.pod_selector = labels({{"tier", "worker"}});
      LabelSelector envs;
      envs.match_expressions.push_back(requirement("env", SelectorOp::in, {"prod", "staging"}));
      p.ingress.push_back(
          {{namespaces(envs)}, {number(P::tcp, 8000, 8100), number(P::tcp, 30000, 32767)}, {}});
      break;
    }
    case 7: {  // egress: DNS, backend namespaces, and the own namespace
      name = "egress-dns";
      p.pod_selector = labels({{"tier", rng.pick(kPodTiers)}});
      p.isolates_ingress = false;
      p.isolates_egress = true;
      p.egress.push_back({{both(labels({{"kubernetes.io/metadata.name", "kube-system"}}),
                                labels({{"k8s-app", "kube-dns"}}))},
                          {number(P::udp, 53), number(P::tcp, 53)},
                          {}});
      p.egress.push_back({{namespaces(labels({{"tier", "backend"}}))}, {}, {}});
      p.egress.push_back({{pods({})}, {}, {}});
      break;
    }
    case 8: {  // UDP and SCTP services for newer versions only
      name = "udp-sctp";
      LabelSelector newer;
      newer.match_expressions.push_back(requirement("version", SelectorOp::not_in, {"v1"}));
      p.pod_selector = labels({{"tier", rng.chance(50) ? "cache" : "worker"}});
      p.ingress.push_back({{pods(newer)}, {number(P::udp, 8125), number(P::sctp, 3868)}, {}});
      break;
    }
    case 9: {  // databases: every operator, named port
      name = "db-from-api";
      p.pod_selector.match_expressions = {requirement("tier", SelectorOp::in, {"db"}),
                                          requirement("canary", SelectorOp::does_not_exist, {})};
      LabelSelector api;
      api.match_expressions = {requirement("tier", SelectorOp::in, {"api"}),
                               requirement("version", SelectorOp::exists, {})};
      p.ingress.push_back({{pods(api)}, {named(P::tcp, "postgres")}, {}});
      break;
    }
    case 10: {  // IPv6 clients, minus a quarantined range
      name = "v6-clients";
      p.pod_selector = labels({{"tier", "web"}});
      p.ingress.push_back({{block("2001:2::/64", {"2001:2::1:0/112"})},
                           {number(P::tcp, 80), number(P::tcp, 443)},
                           {}});
      break;
    }
    case 11: {  // lock one app down completely
      name = "lockdown";
      p.pod_selector = labels({{"app", app(rng)}, {"canary", "true"}});
      p.isolates_egress = true;
      break;
    }
    default: {  // open web apps to everyone, and let workers reach the outside on 443
      if (rng.chance(50)) {
        name = "web-open";
        p.pod_selector = labels({{"tier", "web"}, {"app", app(rng)}});
        p.ingress.push_back({});
      } else {
        name = "worker-internet";
        p.pod_selector = labels({{"tier", "worker"}});
        p.isolates_ingress = false;
        p.isolates_egress = true;
        p.egress.push_back({{block("0.0.0.0/0", {"198.18.0.0/15"})}, {number(P::tcp, 443)}, {}});
      }
      break;
    }
  }
  p.name = numbered((name + "-").c_str(), index, 2);
  return p;
}

}  // namespace

Cluster make_synthetic_cluster(const SyntheticSpec& spec) {
  if (spec.pods > kMaxPods) throw std::invalid_argument("synthetic: at most 131000 pods");
  if (spec.namespaces < 2) throw std::invalid_argument("synthetic: at least 2 namespaces");
  Random rng(spec.seed);
  Cluster cluster;
  const size_t user_namespaces = spec.namespaces - 1;

  Namespace system;
  system.name = "kube-system";
  system.labels = {{"kubernetes.io/metadata.name", "kube-system"}};
  cluster.namespaces.push_back(system);
  for (size_t i = 0; i < user_namespaces; ++i) {
    Namespace ns;
    ns.name = numbered("ns-", i, 5);
    ns.labels = {{"kubernetes.io/metadata.name", ns.name},
                 {"team", team(rng)},
                 {"env", rng.pick(kEnvs)},
                 {"tier", rng.pick(kNamespaceTiers)}};
    cluster.namespaces.push_back(ns);
  }

  // Pods come from workloads (think Deployments): 6-12 per namespace, each a distinct app with
  // its tier's ports, a version and sometimes a canary label. Real clusters look like this, and
  // it keeps identities (namespace + labels + ports) in the thousands, not one per pod.
  std::vector<std::vector<Workload>> workloads(user_namespaces);
  for (auto& list : workloads) {
    std::vector<int> apps(kApps);
    for (int a = 0; a < kApps; ++a) apps[a] = a;
    size_t count = 6 + rng.below(7);
    for (size_t k = 0; k < count; ++k) {
      std::swap(apps[k], apps[k + rng.below(kApps - k)]);
      std::string tier = rng.pick(kPodTiers);
      Workload w;
      w.labels = {{"app", "app-" + std::to_string(apps[k])},
                  {"tier", tier},
                  {"version", rng.pick(kVersions)}};
      if (rng.chance(5)) w.labels["canary"] = "true";
      w.ports = ports_for(tier);
      list.push_back(std::move(w));
    }
  }

  cluster.pods.reserve(spec.pods);
  for (size_t i = 0; i < spec.pods; ++i) {
    Pod pod;
    if (i < 2) {
      pod.namespace_name = "kube-system";
      pod.name = numbered("kube-dns-", i, 1);
      pod.labels = {{"k8s-app", "kube-dns"}};
      pod.ports = {{"dns", 53, Protocol::udp},
                   {"dns-tcp", 53, Protocol::tcp},
                   {"metrics", 9153, Protocol::tcp}};
    } else {
      // A replica of one of its namespace's workloads: replicas share labels and ports.
      size_t n = rng.below(user_namespaces);
      const Workload& w = workloads[n][rng.below(workloads[n].size())];
      pod.namespace_name = cluster.namespaces[1 + n].name;
      pod.name = w.labels.at("app") + "-" + numbered("", i, 6);
      pod.labels = w.labels;
      pod.ports = w.ports;
    }
    if (i < 2 || !rng.chance(1)) {  // about 1% are still pending, without an address
      pod.addresses.push_back(IpAddress::v4(kV4Base + uint32_t(i) + 1));
      if (rng.chance(10)) pod.addresses.push_back(v6_for(i + 1));
    }
    cluster.pods.push_back(std::move(pod));
  }

  // About policies / namespaces each; most namespaces start with a default deny.
  std::vector<size_t> per_namespace(user_namespaces, 0);
  for (size_t i = 0; i < spec.policies; ++i) per_namespace[rng.below(user_namespaces)]++;
  cluster.policies.reserve(spec.policies);
  for (size_t n = 0; n < user_namespaces; ++n) {
    bool deny_first = rng.chance(70);
    for (size_t k = 0; k < per_namespace[n]; ++k) {
      cluster.policies.push_back(
          make_policy(rng, cluster.namespaces[n + 1].name, k, deny_first && k == 0));
    }
  }

  auto by_name = [](const Namespace& a, const Namespace& b) { return a.name < b.name; };
  auto by_ns_name = [](const auto& a, const auto& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  };
  std::sort(cluster.namespaces.begin(), cluster.namespaces.end(), by_name);
  std::sort(cluster.pods.begin(), cluster.pods.end(), by_ns_name);
  std::sort(cluster.policies.begin(), cluster.policies.end(), by_ns_name);
  return cluster;
}

}  // namespace podwall
