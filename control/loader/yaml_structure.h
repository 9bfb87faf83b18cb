#pragma once
// Whole-tree checks on a parsed document, before any typed reading: nesting depth (exact, after
// the text estimate), a per-file budget of visited nodes (yaml-cpp shares aliased nodes, so a
// small file can expand to billions of nodes when walked), duplicate and non-string mapping
// keys, and merge keys (which yaml-cpp does not implement, so we refuse them rather than
// misread them).

#include <cstddef>

#include "control/loader/diagnostic.h"
#include "control/loader/yaml_reader.h"

namespace podwall {

struct NodeBudget {
  size_t visited = 0;
  bool exhausted = false;
};

// Records every problem found. Returns false when the document must not be read further
// (too deep, or the budget ran out; then `budget.exhausted` tells the file to stop as well).
bool check_structure(DiagnosticSink& sink, const Field& document, NodeBudget& budget);

}  // namespace podwall
