#pragma once
// Checks on a manifest's raw bytes before yaml-cpp sees them: the size limit, strict UTF-8
// (yaml-cpp silently turns bad bytes into U+FFFD), control characters, and a conservative
// estimate of nesting depth. yaml-cpp's parser recurses once per nesting level, so depth has to
// be bounded here, on the text, to keep a hostile file from exhausting the stack.

#include <string_view>

#include "control/loader/diagnostic.h"

namespace podwall {

// Returns false, after recording an error, when the text must not reach the parser.
bool check_manifest_text(DiagnosticSink& sink, std::string_view text);

// The deepest collection nesting the text seems to hold, stopping as soon as it passes `limit`.
// Never overestimates by more than a level or two for well-formed YAML; may underestimate odd
// layouts, which the exact check on the parsed tree catches.
struct NestingEstimate {
  int depth = 0;
  int line = 0;    // where `depth` was reached (1-based)
  int column = 0;  // in bytes, 1-based
};
NestingEstimate estimate_nesting(std::string_view text, int limit);

}  // namespace podwall
