#pragma once
// Checks on a manifest's raw bytes before yaml-cpp sees them: the size limit, strict UTF-8
// (yaml-cpp silently turns bad bytes into U+FFFD), control characters, and a conservative
// estimate of nesting depth. yaml-cpp's parser recurses once per nesting level, so depth has to
// be bounded here, on the text, to keep a hostile file from exhausting the stack; node count
// likewise, to keep it from exhausting the heap.

#include <cstddef>
#include <string_view>

#include "control/loader/diagnostic.h"

namespace podwall {

// Returns false, after recording an error, when the text must not reach the parser.
bool check_manifest_text(DiagnosticSink& sink, std::string_view text);

// What the text seems to hold, from a scan that stops as soon as a limit is passed: the deepest
// collection nesting (never more than a level or two too high for well-formed YAML; odd layouts
// may read lower, which the exact check on the parsed tree catches) and a lower bound on the
// node count (document markers, sequence entries, mapping keys, flow items). yaml-cpp needs
// several hundred bytes per node, so a 16 MiB flat list would cost gigabytes if parsed.
struct TextShape {
  int depth = 0;
  int line = 0;    // where `depth` was reached (1-based)
  int column = 0;  // in bytes, 1-based
  size_t nodes = 0;
};
TextShape estimate_shape(std::string_view text, int depth_limit, size_t node_limit);

}  // namespace podwall
