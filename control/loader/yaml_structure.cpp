#include "control/loader/yaml_structure.h"

#include <string>
#include <unordered_map>

#include "control/loader/limits.h"

namespace podwall {
namespace {

// Walks nodes directly (no Field per node) and builds a field path only when it reports: a
// flat mapping of millions of keys must not cost millions of path strings.
class StructureWalker {
 public:
  StructureWalker(DiagnosticSink& sink, NodeBudget& budget) : sink_(sink), budget_(budget) {}

  // Recursion is bounded by max_nesting_depth: a deeper collection is reported, not entered.
  bool walk(const YAML::Node& node, const std::string& path, int depth) {
    if (!spend(node, path)) return false;
    if (!node.IsDefined() || node.IsNull() || node.IsScalar()) return true;
    if (depth > max_nesting_depth) {
      report(node, path,
             "collections nested deeper than " + std::to_string(max_nesting_depth) +
                 " levels; the limit is " + std::to_string(max_nesting_depth));
      return false;
    }
    if (node.IsSequence()) {
      size_t index = 0;
      for (auto it = node.begin(); it != node.end(); ++it, ++index) {
        if (!walk(*it, join_index(path, index), depth + 1)) return false;
      }
      return true;
    }
    std::unordered_map<std::string, int> first_line;
    for (auto it = node.begin(); it != node.end(); ++it) {
      // A copy: the iterator hands out a temporary, so a reference would dangle.
      const YAML::Node key = it->first;
      if (!spend(key, path)) return false;
      std::string child_path;
      if (!key.IsScalar()) {
        child_path = join_key(path, "?");
        report(key, child_path, "mapping keys must be strings, not " + describe(key));
      } else {
        child_path = join_key(path, key.Scalar());
        if (key.Scalar() == "<<" && key.Tag() == "?") {
          report(key, child_path, "YAML merge keys (<<) are not supported; write the keys out");
        }
        auto [first, inserted] = first_line.emplace(key.Scalar(), key.Mark().line + 1);
        if (!inserted) {
          report(key, child_path,
                 "duplicate key \"" + key.Scalar() + "\" (first at line " +
                     std::to_string(first->second) + ")");
        }
      }
      if (!walk(it->second, child_path, depth + 1)) return false;
    }
    return true;
  }

 private:
  bool spend(const YAML::Node& node, const std::string& path) {
    if (++budget_.visited <= max_nodes_per_file) return true;
    budget_.exhausted = true;
    report(node, path,
           "more than " + std::to_string(max_nodes_per_file) +
               " YAML nodes in this file, counting every use of an alias; the limit is " +
               std::to_string(max_nodes_per_file) + " (alias bomb?)");
    return false;
  }

  void report(const YAML::Node& node, const std::string& path, std::string message) {
    YAML::Mark m = node.IsDefined() ? node.Mark() : YAML::Mark();
    sink_.error(m.line + 1, m.column + 1, path, std::move(message));
  }

  DiagnosticSink& sink_;
  NodeBudget& budget_;
};

}  // namespace

bool check_structure(DiagnosticSink& sink, const Field& document, NodeBudget& budget) {
  return StructureWalker(sink, budget).walk(document.node, document.path, 1);
}

}  // namespace podwall
