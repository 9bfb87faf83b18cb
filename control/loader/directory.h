#pragma once
// Which files of a manifest directory are manifests, and reading them safely.

#include <optional>
#include <string>
#include <vector>

#include "control/loader/diagnostic.h"
#include "control/loader/limits.h"

namespace podwall {

struct DirectoryListing {
  std::vector<std::string> files;  // relative to the directory, '/'-separated, sorted
  std::vector<Diagnostic> diagnostics;
  // False when some part of the tree could not be listed (unreadable directory, too many files):
  // a caller must not take a missing file as deleted then, or it could drop a deny policy.
  bool complete = true;
};

// Walks `dir` recursively. Skips hidden entries (a leading '.', which also covers the `..data`
// and `..2024_...` directories of a Kubernetes ConfigMap volume, whose visible names are
// symlinks into them), editor temporaries and files without a .yaml/.yml/.json extension.
// Follows a symlink only when its target stays inside `dir`; each real file or directory is
// listed once, so loops and aliases do not load objects twice. Control thread only; blocks on
// the file system.
struct ListingLimits {
  size_t max_files = max_manifest_files;
  int max_depth = max_directory_depth;
};
DirectoryListing list_manifest_files(const std::string& dir, const ListingLimits& limits = {});

// True for names an editor or a tool leaves behind while writing: `*~`, `*.swp`, `*.swx`,
// `#*#`, `.#*`, `*.tmp`, vim's `4913` probe, and every hidden name.
bool is_ignored_name(const std::string& name);
bool has_manifest_extension(const std::string& name);

struct FileBytes {
  std::string bytes;
  std::optional<Diagnostic> error;  // set when the file could not be read whole
};

// Reads at most max_manifest_bytes (+1 to detect the overflow); refuses anything but a regular
// file so that a FIFO named x.yaml cannot block the control thread.
FileBytes read_manifest_bytes(const std::string& path, const std::string& display_path);

// "dir" + "rel" -> "dir/rel", without doubling a trailing '/'.
std::string join_path(const std::string& dir, const std::string& rel);

}  // namespace podwall
