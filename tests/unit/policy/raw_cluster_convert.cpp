// RawCluster -> model (what the loader should produce) and -> YAML (for the real loader).
#include <algorithm>
#include <sstream>

#include "tests/unit/policy/random_cluster.h"

namespace podwall::testing {
namespace {

const char* kNameLabel = "kubernetes.io/metadata.name";

Protocol protocol_of(const std::string& text) {
  if (text == "UDP") return Protocol::udp;
  if (text == "SCTP") return Protocol::sctp;
  return Protocol::tcp;
}

LabelSelector selector_of(const RawSelector& raw) {
  LabelSelector selector;
  selector.match_labels = Labels(raw.match_labels.begin(), raw.match_labels.end());
  for (const RawExpression& e : raw.match_expressions) {
    SelectorRequirement req;
    req.key = e.key;
    req.op = e.op == "In"       ? SelectorOp::in
             : e.op == "NotIn"  ? SelectorOp::not_in
             : e.op == "Exists" ? SelectorOp::exists
                                : SelectorOp::does_not_exist;
    req.values = e.values;
    std::sort(req.values.begin(), req.values.end());
    req.values.erase(std::unique(req.values.begin(), req.values.end()), req.values.end());
    selector.match_expressions.push_back(req);
  }
  return selector;
}

PolicyRule rule_of(const RawRule& raw) {
  PolicyRule rule;
  for (const RawPeer& p : raw.peers) {
    PolicyPeer peer;
    if (p.pod_selector) peer.pod_selector = selector_of(*p.pod_selector);
    if (p.namespace_selector) peer.namespace_selector = selector_of(*p.namespace_selector);
    if (p.ip_block) {
      IpBlock block;
      block.cidr = *Cidr::parse(p.ip_block->cidr);
      for (const auto& e : p.ip_block->except) block.except.push_back(*Cidr::parse(e));
      peer.ip_block = block;
    }
    rule.peers.push_back(peer);
  }
  for (const RawPort& p : raw.ports) {
    PolicyPort port;
    port.protocol = protocol_of(p.protocol);
    if (p.port) port.port = uint16_t(*p.port);
    port.named_port = p.named_port;
    if (p.end_port) port.end_port = uint16_t(*p.end_port);
    rule.ports.push_back(port);
  }
  return rule;
}

void write_selector(std::ostringstream& out, const RawSelector& s, const std::string& indent) {
  if (s.match_labels.empty() && s.match_expressions.empty()) {
    out << " {}\n";
    return;
  }
  out << "\n";
  if (!s.match_labels.empty()) {
    out << indent << "matchLabels:\n";
    for (const auto& [k, v] : s.match_labels) out << indent << "  " << k << ": \"" << v << "\"\n";
  }
  if (!s.match_expressions.empty()) {
    out << indent << "matchExpressions:\n";
    for (const RawExpression& e : s.match_expressions) {
      out << indent << "  - key: " << e.key << "\n" << indent << "    operator: " << e.op << "\n";
      if (e.op == "In" || e.op == "NotIn") {
        out << indent << "    values:\n";
        for (const auto& v : e.values) out << indent << "      - \"" << v << "\"\n";
      }
    }
  }
}

void write_rules(std::ostringstream& out, const char* section, const char* peers_key, ListForm form,
                 const std::vector<RawRule>& rules) {
  if (form == ListForm::absent) return;
  if (form == ListForm::empty) {
    out << "  " << section << ": []\n";
    return;
  }
  out << "  " << section << ":\n";
  for (const RawRule& rule : rules) {
    bool first = true;
    auto item = [&] {
      const char* prefix = first ? "    - " : "      ";
      first = false;
      return prefix;
    };
    if (rule.peers_form == ListForm::empty) out << item() << peers_key << ": []\n";
    if (rule.peers_form == ListForm::entries) {
      out << item() << peers_key << ":\n";
      for (const RawPeer& peer : rule.peers) {
        bool first_field = true;
        auto field = [&] {
          const char* prefix = first_field ? "        - " : "          ";
          first_field = false;
          return prefix;
        };
        if (peer.namespace_selector) {
          out << field() << "namespaceSelector:";
          write_selector(out, *peer.namespace_selector, "            ");
        }
        if (peer.pod_selector) {
          out << field() << "podSelector:";
          write_selector(out, *peer.pod_selector, "            ");
        }
        if (peer.ip_block) {
          out << field() << "ipBlock:\n            cidr: \"" << peer.ip_block->cidr << "\"\n";
          if (!peer.ip_block->except.empty()) {
            out << "            except:\n";
            for (const auto& e : peer.ip_block->except) out << "              - \"" << e << "\"\n";
          }
        }
      }
    }
    if (rule.ports_form == ListForm::empty) out << item() << "ports: []\n";
    if (rule.ports_form == ListForm::entries) {
      out << item() << "ports:\n";
      for (const RawPort& port : rule.ports) {
        // An entry needs at least one field to be written as a mapping.
        if (port.protocol.empty() && !port.port && port.named_port.empty()) {
          out << "        - {}\n";
          continue;
        }
        const char* prefix = "        - ";
        if (!port.protocol.empty()) {
          out << prefix << "protocol: " << port.protocol << "\n";
          prefix = "          ";
        }
        if (port.port) {
          out << prefix << "port: " << *port.port << "\n";
          prefix = "          ";
        }
        if (!port.named_port.empty()) {
          out << prefix << "port: " << port.named_port << "\n";
          prefix = "          ";
        }
        if (port.end_port) out << prefix << "endPort: " << *port.end_port << "\n";
      }
    }
    if (first) out << "    - {}\n";
  }
}

}  // namespace

Cluster to_model(const RawCluster& raw) {
  Cluster cluster;
  for (const RawNamespace& ns : raw.namespaces) {
    Namespace n;
    n.name = ns.name;
    n.labels = Labels(ns.labels.begin(), ns.labels.end());
    n.labels[kNameLabel] = ns.name;
    cluster.namespaces.push_back(n);
  }
  for (const RawPod& p : raw.pods) {
    Pod pod;
    pod.namespace_name = p.namespace_name;
    pod.name = p.name;
    pod.labels = Labels(p.labels.begin(), p.labels.end());
    for (const auto& port : p.ports) {
      pod.ports.push_back({port.name, uint16_t(port.port), protocol_of(port.protocol)});
    }
    for (const auto& text : p.addresses) pod.addresses.push_back(*IpAddress::parse(text));
    cluster.pods.push_back(pod);
  }
  for (const RawPolicy& p : raw.policies) {
    NetworkPolicy policy;
    policy.namespace_name = p.namespace_name;
    policy.name = p.name;
    policy.pod_selector = selector_of(p.pod_selector);
    if (p.policy_types && !p.policy_types->empty()) {
      const auto& types = *p.policy_types;
      policy.isolates_ingress = std::count(types.begin(), types.end(), "Ingress") > 0;
      policy.isolates_egress = std::count(types.begin(), types.end(), "Egress") > 0;
    } else {
      policy.isolates_ingress = true;
      policy.isolates_egress = !p.egress.empty();
    }
    if (policy.isolates_ingress) {
      for (const RawRule& r : p.ingress) policy.ingress.push_back(rule_of(r));
    }
    if (policy.isolates_egress) {
      for (const RawRule& r : p.egress) policy.egress.push_back(rule_of(r));
    }
    cluster.policies.push_back(policy);
  }
  auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  auto by_ns_name = [](const auto& a, const auto& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  };
  std::sort(cluster.namespaces.begin(), cluster.namespaces.end(), by_name);
  std::sort(cluster.pods.begin(), cluster.pods.end(), by_ns_name);
  std::sort(cluster.policies.begin(), cluster.policies.end(), by_ns_name);
  return cluster;
}

std::string to_yaml(const RawCluster& raw) {
  std::ostringstream out;
  for (const RawNamespace& ns : raw.namespaces) {
    if (!ns.has_manifest) continue;
    out << "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: " << ns.name << "\n";
    if (!ns.labels.empty()) {
      out << "  labels:\n";
      for (const auto& [k, v] : ns.labels) out << "    " << k << ": \"" << v << "\"\n";
    }
  }
  for (const RawPod& pod : raw.pods) {
    out << "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " << pod.name
        << "\n  namespace: " << pod.namespace_name << "\n";
    if (!pod.labels.empty()) {
      out << "  labels:\n";
      for (const auto& [k, v] : pod.labels) out << "    " << k << ": \"" << v << "\"\n";
    }
    out << "spec:\n  containers:\n    - name: main\n      image: example/server:1\n";
    if (!pod.ports.empty()) {
      out << "      ports:\n";
      for (const auto& port : pod.ports) {
        out << "        - containerPort: " << port.port << "\n          protocol: " << port.protocol
            << "\n";
        if (!port.name.empty()) out << "          name: " << port.name << "\n";
      }
    }
    if (!pod.addresses.empty()) {
      out << "status:\n  podIP: \"" << pod.addresses[0] << "\"\n  podIPs:\n";
      for (const auto& a : pod.addresses) out << "    - ip: \"" << a << "\"\n";
    }
  }
  for (const RawPolicy& policy : raw.policies) {
    out << "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: "
        << policy.name << "\n  namespace: " << policy.namespace_name << "\nspec:\n"
        << "  podSelector:";
    write_selector(out, policy.pod_selector, "    ");
    if (policy.policy_types) {
      if (policy.policy_types->empty()) {
        out << "  policyTypes: []\n";
      } else {
        out << "  policyTypes:\n";
        for (const auto& t : *policy.policy_types) out << "    - " << t << "\n";
      }
    }
    write_rules(out, "ingress", "from", policy.ingress_form, policy.ingress);
    write_rules(out, "egress", "to", policy.egress_form, policy.egress);
  }
  return out.str();
}

}  // namespace podwall::testing
