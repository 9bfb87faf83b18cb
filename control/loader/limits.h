#pragma once
// Bounds on what one manifest directory may ask of the loader. Each one turns hostile or broken
// input into an error that names the limit, instead of a stall, a crash or an exhausted heap.

#include <cstddef>

namespace podwall {

// Largest manifest file read; bigger files are refused before any byte is parsed.
inline constexpr size_t max_manifest_bytes = size_t(16) << 20;
// Collections nested deeper than this are refused. Real manifests stay under ~20; yaml-cpp's
// parser recurses per level, so this is checked on the raw text before the parser runs.
inline constexpr int max_nesting_depth = 64;
// YAML nodes visited per file, counting every expansion of an alias (billion laughs).
inline constexpr size_t max_nodes_per_file = 1'000'000;
// Manifest files in one directory tree.
inline constexpr size_t max_manifest_files = 100'000;
// Sub-directory levels below the manifest directory.
inline constexpr int max_directory_depth = 32;

}  // namespace podwall
