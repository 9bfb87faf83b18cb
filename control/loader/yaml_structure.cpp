#include "control/loader/yaml_structure.h"

#include <string>
#include <string_view>
#include <unordered_map>

#include "control/loader/limits.h"

namespace podwall {
namespace {

// The path of the node being walked, as links on the walker's own stack; spelled out only
// when something is reported, so a clean document costs no path strings at all.
struct PathStep {
  const PathStep* parent;
  std::string_view key;
  size_t index;
  bool is_index;
};

// Mappings up to this size find duplicate keys by comparing with the keys before; larger ones
// (a flat map of a million keys must stay linear) use a hash map.
constexpr size_t small_map = 16;

class StructureWalker {
 public:
  StructureWalker(DiagnosticSink& sink, NodeBudget& budget, const std::string& root_path)
      : sink_(sink), budget_(budget), root_path_(root_path) {}

  // Recursion is bounded by max_nesting_depth: a deeper collection is reported, not entered.
  bool walk(const YamlNode& node, const PathStep* path, int depth) {
    if (!spend(node, path)) return false;
    if (node.is_null() || node.is_scalar()) return true;
    if (depth > max_nesting_depth) {
      report(node, path,
             "collections nested deeper than " + std::to_string(max_nesting_depth) +
                 " levels; the limit is " + std::to_string(max_nesting_depth));
      return false;
    }
    if (node.is_sequence()) {
      for (size_t i = 0; i < node.size(); ++i) {
        PathStep step{path, {}, i, true};
        if (!walk(node.item(i), &step, depth + 1)) return false;
      }
      return true;
    }
    std::unordered_map<std::string_view, int> first_line;
    for (size_t i = 0; i < node.size(); ++i) {
      const YamlNode& key = node.key(i);
      if (!spend(key, path)) return false;
      PathStep step{path, "?", 0, false};
      if (!key.is_scalar()) {
        report(key, &step, "mapping keys must be strings, not " + describe(&key));
      } else {
        step.key = key.scalar();
        if (key.scalar() == "<<" && key.tag() == "?") {
          report(key, &step, "YAML merge keys (<<) are not supported; write the keys out");
        }
        if (int first = first_line_of(node, i, first_line); first > 0) {
          report(key, &step,
                 "duplicate key \"" + std::string(key.scalar()) + "\" (first at line " +
                     std::to_string(first) + ")");
        }
      }
      if (!walk(node.value(i), &step, depth + 1)) return false;
    }
    return true;
  }

 private:
  // The line of the first earlier scalar key equal to key `i` of `map`, or 0. Large maps
  // remember every key in `seen`, so call it for each key in order.
  static int first_line_of(const YamlNode& map, size_t i,
                           std::unordered_map<std::string_view, int>& seen) {
    const YamlNode& key = map.key(i);
    if (map.size() > small_map) {
      auto [first, inserted] = seen.emplace(key.scalar(), key.mark().line + 1);
      return inserted ? 0 : first->second;
    }
    for (size_t j = 0; j < i; ++j) {
      const YamlNode& earlier = map.key(j);
      if (earlier.is_scalar() && earlier.scalar() == key.scalar()) return earlier.mark().line + 1;
    }
    return 0;
  }

  bool spend(const YamlNode& node, const PathStep* path) {
    if (++budget_.visited <= max_nodes_per_file) return true;
    budget_.exhausted = true;
    report(node, path,
           "more than " + std::to_string(max_nodes_per_file) +
               " YAML nodes in this file, counting every use of an alias; the limit is " +
               std::to_string(max_nodes_per_file) + " (alias bomb?)");
    return false;
  }

  std::string spell(const PathStep* step) const {
    if (!step) return root_path_;
    std::string parent = spell(step->parent);
    return step->is_index ? join_index(parent, step->index) : join_key(parent, step->key);
  }

  void report(const YamlNode& node, const PathStep* path, std::string message) {
    sink_.error(node.mark().line + 1, node.mark().column + 1, spell(path), std::move(message));
  }

  DiagnosticSink& sink_;
  NodeBudget& budget_;
  const std::string& root_path_;
};

}  // namespace

bool check_structure(DiagnosticSink& sink, const Field& document, NodeBudget& budget) {
  return StructureWalker(sink, budget, document.path).walk(*document.node, nullptr, 1);
}

}  // namespace podwall
