#pragma once
// The objects of every manifest file, keyed by file, with the last good version of each file
// kept while its current version fails. A revision counter grows on every change, so a
// publisher can tell which state a compiled table came from.
//
// Not thread-safe: owned and called by the control thread only.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "control/loader/diagnostic.h"
#include "control/loader/manifest_file.h"
#include "control/model.h"

namespace podwall {

struct BuildResult {
  Cluster cluster;
  // Conflicts between files found while merging: the same object in two files, one address
  // claimed by two pods. Each names both places; the first in path order wins.
  std::vector<Diagnostic> errors;
};

class ObjectStore {
 public:
  // A good load replaces the file's objects. A failed one keeps the previous good objects (none
  // for a new file) and records the errors until the file loads cleanly or is removed.
  void replace_file(const FileLoad& load);
  void remove_file(const std::string& path);

  // Errors of files whose newest version failed, in path order.
  std::vector<Diagnostic> current_errors() const;
  // Notes of the newest version of every file, in path order.
  std::vector<Diagnostic> current_notes() const;
  uint64_t revision() const { return revision_; }
  size_t file_count() const { return files_.size(); }
  bool has_good_version(const std::string& path) const;

  // Merges every file's good objects into one Cluster, sorted by (namespace, name), with an
  // implied Namespace for every namespace used but not declared.
  BuildResult build_cluster() const;

 private:
  struct FileState {
    bool has_good = false;
    FileLoad good;  // objects of the last version that loaded cleanly
    std::vector<Diagnostic> errors;
    std::vector<Diagnostic> notes;
  };

  std::map<std::string, FileState> files_;
  uint64_t revision_ = 0;
};

}  // namespace podwall
