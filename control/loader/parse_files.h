#pragma once
// Reading and parsing many manifest files at once. Parsing is nearly all of a directory load and
// files are independent (parse_manifest_file is pure), so they are parsed on a few threads;
// results are still handed over one by one in the order of `paths`, so whoever consumes them
// sees exactly what a single thread would give.

#include <functional>
#include <string>
#include <vector>

#include "control/loader/manifest_file.h"

namespace podwall {

// At most this many files are parsed at the same time. A hostile file within every limit (a
// one-line flow list of a million items, which yaml-cpp queues whole as tokens) holds ~280 MB
// while parsed; two at once stay within what one such file cost before the loader had its own
// tree (~530 MB).
inline constexpr unsigned max_parse_threads = 2;

// The file at `path` read and parsed; an unreadable file gives unreadable_file().
FileLoad read_and_parse_file(const std::string& path);

// Calls `consume` on the calling thread with the load of paths[0], paths[1], ... in order.
// Exceptions (from a parse or from `consume`) reach the caller at the file where a single
// thread would have met them, after the worker threads have stopped. Blocks on the file
// system; control thread or tools only.
void read_and_parse_files(const std::vector<std::string>& paths,
                          const std::function<void(FileLoad&)>& consume);

}  // namespace podwall
