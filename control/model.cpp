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
