#include "control/cli/render.h"

namespace podwall::cli {

std::string render_selector(const LabelSelector& selector) {
  if (selector.empty()) return "<all>";
  std::string out;
  auto add = [&](const std::string& term) { out += (out.empty() ? "" : ",") + term; };
  for (const auto& [k, v] : selector.match_labels) add(k + "=" + v);
  for (const auto& req : selector.match_expressions) {
    std::string values;
    for (const auto& v : req.values) values += (values.empty() ? "" : ",") + v;
    switch (req.op) {
      case SelectorOp::in:
        add(req.key + " in (" + values + ")");
        break;
      case SelectorOp::not_in:
        add(req.key + " notin (" + values + ")");
        break;
      case SelectorOp::exists:
        add(req.key);
        break;
      case SelectorOp::does_not_exist:
        add("!" + req.key);
        break;
    }
  }
  return out;
}

std::string render_peer(const PolicyPeer& peer, const std::string& policy_namespace) {
  if (peer.ip_block) {
    std::string out = "ipBlock " + peer.ip_block->cidr.to_string();
    if (!peer.ip_block->except.empty()) {
      out += " except";
      for (const auto& e : peer.ip_block->except) out += " " + e.to_string();
    }
    return out;
  }
  if (!peer.namespace_selector) {
    return "pods " + render_selector(*peer.pod_selector) + " in namespace " + policy_namespace;
  }
  std::string namespaces = "namespaces " + render_selector(*peer.namespace_selector);
  if (!peer.pod_selector) return "all pods in " + namespaces;
  return "pods " + render_selector(*peer.pod_selector) + " in " + namespaces;
}

std::string render_ports(const std::vector<PolicyPort>& ports) {
  if (ports.empty()) return "all ports, all protocols";
  std::string out;
  for (const auto& p : ports) {
    std::string one;
    if (!p.named_port.empty()) {
      one = p.named_port;
    } else if (!p.port) {
      one = "all";
    } else {
      one = std::to_string(*p.port);
      if (p.end_port) one += "-" + std::to_string(*p.end_port);
    }
    out += (out.empty() ? "" : ", ") + one + "/" + protocol_name(p.protocol);
  }
  return out;
}

std::string render_rule(const PolicyRule& rule, const std::string& policy_namespace, bool ingress) {
  std::string peers;
  if (rule.peers.empty()) {
    peers = "any source";
    if (!ingress) peers = "any destination";
  } else {
    for (const auto& peer : rule.peers) {
      peers += (peers.empty() ? "" : " OR ") + render_peer(peer, policy_namespace);
    }
  }
  return std::string(ingress ? "from " : "to ") + peers + " on " + render_ports(rule.ports);
}

}  // namespace podwall::cli
