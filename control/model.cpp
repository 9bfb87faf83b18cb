#include "control/model.h"

#include <algorithm>

namespace podwall {

std::string SourcePos::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

bool LabelSelector::matches(const Labels& labels) const {
  for (const auto& [key, value] : match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const auto& req : match_expressions) {
    auto it = labels.find(req.key);
    bool present = it != labels.end();
    auto in_values = [&] {
      return present && std::binary_search(req.values.begin(), req.values.end(), it->second);
    };
    switch (req.op) {
      case SelectorOp::in:
        if (!in_values()) return false;
        break;
      case SelectorOp::not_in:
        // As in Kubernetes: a missing key satisfies NotIn.
        if (in_values()) return false;
        break;
      case SelectorOp::exists:
        if (!present) return false;
        break;
      case SelectorOp::does_not_exist:
        if (present) return false;
        break;
    }
  }
  return true;
}

std::string LabelSelector::canonical() const {
  static const char* op_names[] = {"In", "NotIn", "Exists", "DoesNotExist"};
  std::string out;
  for (const auto& [key, value] : match_labels) out += key + "=" + value + ",";
  std::vector<std::string> exprs;
  for (const auto& req : match_expressions) {
    std::string e = req.key + " " + op_names[int(req.op)] + " (";
    for (const auto& v : req.values) e += v + "|";
    exprs.push_back(e + ")");
  }
  std::sort(exprs.begin(), exprs.end());
  for (const auto& e : exprs) out += e + ",";
  return out;
}

namespace {

// Element by element, in order, with the same_content of the element type.
template <typename T>
bool same_list(const std::vector<T>& a, const std::vector<T>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const T& x, const T& y) { return same_content(x, y); });
}

// Both absent, or both present with the same content.
template <typename T>
bool same_optional(const std::optional<T>& a, const std::optional<T>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || same_content(*a, *b);
}

}  // namespace

bool same_content(const SelectorRequirement& a, const SelectorRequirement& b) {
  return a.key == b.key && a.op == b.op && a.values == b.values;
}

bool same_content(const LabelSelector& a, const LabelSelector& b) {
  return a.match_labels == b.match_labels && same_list(a.match_expressions, b.match_expressions);
}

bool same_content(const ContainerPort& a, const ContainerPort& b) {
  return a.name == b.name && a.port == b.port && a.protocol == b.protocol;
}

bool same_content(const IpBlock& a, const IpBlock& b) {
  return a.cidr == b.cidr && a.except == b.except;
}

bool same_content(const PolicyPeer& a, const PolicyPeer& b) {
  return same_optional(a.pod_selector, b.pod_selector) &&
         same_optional(a.namespace_selector, b.namespace_selector) &&
         same_optional(a.ip_block, b.ip_block);
}

bool same_content(const PolicyPort& a, const PolicyPort& b) {
  return a.protocol == b.protocol && a.port == b.port && a.named_port == b.named_port &&
         a.end_port == b.end_port;
}

bool same_content(const PolicyRule& a, const PolicyRule& b) {
  return same_list(a.peers, b.peers) && same_list(a.ports, b.ports);
}

bool same_content(const Pod& a, const Pod& b) {
  return a.namespace_name == b.namespace_name && a.name == b.name && a.labels == b.labels &&
         same_list(a.ports, b.ports) && a.addresses == b.addresses;
}

bool same_content(const NetworkPolicy& a, const NetworkPolicy& b) {
  return a.namespace_name == b.namespace_name && a.name == b.name &&
         same_content(a.pod_selector, b.pod_selector) && a.isolates_ingress == b.isolates_ingress &&
         a.isolates_egress == b.isolates_egress && same_list(a.ingress, b.ingress) &&
         same_list(a.egress, b.egress);
}

const char* protocol_name(Protocol p) {
  switch (p) {
    case Protocol::tcp:
      return "TCP";
    case Protocol::udp:
      return "UDP";
    case Protocol::sctp:
      return "SCTP";
  }
  return "?";
}

}  // namespace podwall
