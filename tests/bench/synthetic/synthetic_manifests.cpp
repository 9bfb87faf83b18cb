// Cluster -> manifests, one file per namespace. Written for the synthetic cluster's shapes but
// complete for the model: every field the loader reads is written back.
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "tests/bench/synthetic/synthetic_cluster.h"

namespace podwall {
namespace {

const char* op_name(SelectorOp op) {
  switch (op) {
    case SelectorOp::in:
      return "In";
    case SelectorOp::not_in:
      return "NotIn";
    case SelectorOp::exists:
      return "Exists";
    case SelectorOp::does_not_exist:
      return "DoesNotExist";
  }
  return "?";
}

// Label values are quoted: "true" or "123" must stay strings.
void write_labels(std::string& out, const Labels& labels, const std::string& indent) {
  for (const auto& [key, value] : labels) out += indent + key + ": \"" + value + "\"\n";
}

void write_selector(std::string& out, const LabelSelector& s, const std::string& indent) {
  if (s.empty()) {
    out += " {}\n";
    return;
  }
  out += "\n";
  if (!s.match_labels.empty()) {
    out += indent + "matchLabels:\n";
    write_labels(out, s.match_labels, indent + "  ");
  }
  if (!s.match_expressions.empty()) {
    out += indent + "matchExpressions:\n";
    for (const auto& r : s.match_expressions) {
      out += indent + "  - key: " + r.key + "\n" + indent + "    operator: " + op_name(r.op) + "\n";
      if (!r.values.empty()) {
        out += indent + "    values:\n";
        for (const auto& v : r.values) out += indent + "      - \"" + v + "\"\n";
      }
    }
  }
}

void write_rules(std::string& out, const char* section, const char* peers_key,
                 const std::vector<PolicyRule>& rules) {
  if (rules.empty()) {
    out += std::string("  ") + section + ": []\n";
    return;
  }
  out += std::string("  ") + section + ":\n";
  for (const PolicyRule& rule : rules) {
    if (rule.peers.empty() && rule.ports.empty()) {
      out += "    - {}\n";
      continue;
    }
    const char* lead = "    - ";
    if (!rule.peers.empty()) {
      out += std::string(lead) + peers_key + ":\n";
      lead = "      ";
      for (const PolicyPeer& peer : rule.peers) {
        const char* item = "        - ";
        if (peer.namespace_selector) {
          out += std::string(item) + "namespaceSelector:";
          write_selector(out, *peer.namespace_selector, "            ");
          item = "          ";
        }
        if (peer.pod_selector) {
          out += std::string(item) + "podSelector:";
          write_selector(out, *peer.pod_selector, "            ");
          item = "          ";
        }
        if (peer.ip_block) {
          out += std::string(item) + "ipBlock:\n            cidr: \"" +
                 peer.ip_block->cidr.to_string() + "\"\n";
          if (!peer.ip_block->except.empty()) {
            out += "            except:\n";
            for (const Cidr& e : peer.ip_block->except) {
              out += "              - \"" + e.to_string() + "\"\n";
            }
          }
        }
      }
    }
    if (!rule.ports.empty()) {
      out += std::string(lead) + "ports:\n";
      for (const PolicyPort& port : rule.ports) {
        out += std::string("        - protocol: ") + protocol_name(port.protocol) + "\n";
        if (port.port) out += "          port: " + std::to_string(*port.port) + "\n";
        if (!port.named_port.empty()) out += "          port: " + port.named_port + "\n";
        if (port.end_port) out += "          endPort: " + std::to_string(*port.end_port) + "\n";
      }
    }
  }
}

void write_pod(std::string& out, const Pod& pod) {
  out += "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " + pod.name +
         "\n  namespace: " + pod.namespace_name + "\n";
  if (!pod.labels.empty()) {
    out += "  labels:\n";
    write_labels(out, pod.labels, "    ");
  }
  out += "spec:\n  containers:\n    - name: main\n      image: example/server:1\n";
  if (!pod.ports.empty()) {
    out += "      ports:\n";
    for (const ContainerPort& port : pod.ports) {
      out += "        - containerPort: " + std::to_string(port.port) + "\n";
      out += std::string("          protocol: ") + protocol_name(port.protocol) + "\n";
      if (!port.name.empty()) out += "          name: " + port.name + "\n";
    }
  }
  if (pod.addresses.empty()) {
    out += "status:\n  phase: Pending\n";
    return;
  }
  out += "status:\n  phase: Running\n  podIP: \"" + pod.addresses[0].to_string() + "\"\n";
  out += "  podIPs:\n";
  for (const IpAddress& a : pod.addresses) out += "    - ip: \"" + a.to_string() + "\"\n";
}

void write_policy(std::string& out, const NetworkPolicy& policy) {
  out += "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " +
         policy.name + "\n  namespace: " + policy.namespace_name + "\nspec:\n  podSelector:";
  write_selector(out, policy.pod_selector, "    ");
  // Explicit types: the model is already past inference.
  out += "  policyTypes:\n";
  if (policy.isolates_ingress) out += "    - Ingress\n";
  if (policy.isolates_egress) out += "    - Egress\n";
  if (policy.isolates_ingress) write_rules(out, "ingress", "from", policy.ingress);
  if (policy.isolates_egress) write_rules(out, "egress", "to", policy.egress);
}

}  // namespace

void write_synthetic_manifests(const Cluster& cluster, const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  std::map<std::string, std::string> files;  // namespace -> text
  for (const Namespace& ns : cluster.namespaces) {
    std::string& out = files[ns.name];
    out += "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns.name + "\n";
    Labels own = ns.labels;
    own.erase("kubernetes.io/metadata.name");  // automatic; the API server sets it
    if (!own.empty()) {
      out += "  labels:\n";
      write_labels(out, own, "    ");
    }
  }
  for (const Pod& pod : cluster.pods) write_pod(files[pod.namespace_name], pod);
  for (const NetworkPolicy& p : cluster.policies) write_policy(files[p.namespace_name], p);
  for (const auto& [ns, text] : files) {
    fs::path path = fs::path(dir) / (ns + ".yaml");
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    if (!file.flush()) throw std::runtime_error("cannot write " + path.string());
  }
}

}  // namespace podwall
