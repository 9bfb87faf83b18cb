#pragma once
// Feeds an ObjectStore file by file from a manifest directory: a changed file is read and
// parsed on its own, a deleted one takes exactly its objects with it, a file that fails keeps
// its last good objects. Only a re-scan lists the directory, and even then a file whose bytes
// did not change is not parsed again. Building the Cluster reads the store only.
//
// Thread: the control thread only; blocks on the file system.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "control/loader/loader.h"
#include "control/watch/change_set.h"

namespace podwall {

struct ApplyStats {
  size_t parsed = 0;   // files read and parsed
  size_t removed = 0;  // files whose objects left the store
  size_t unchanged = 0;
  bool rescanned = false;
};

class IncrementalLoader {
 public:
  explicit IncrementalLoader(std::string dir);

  // Lists the directory and loads whatever differs from the store (start-up, `reload`,
  // overflow, ConfigMap swap). Files gone from a complete listing are removed; from an
  // incomplete one nothing is removed (an unreadable directory may hold deny policies).
  ApplyStats rescan();

  // Applies what the watcher saw. A path that turns out to be a symlink or a directory makes
  // this a re-scan, so that the listing's rules (symlinks must stay inside the directory,
  // aliases load once) hold for changes too.
  ApplyStats apply(const ChangeSet& changes);

  // Every good object merged into one Cluster; merge conflicts go to `merge_errors_`. Valid
  // until the next rescan() or apply().
  const Cluster& build_cluster();
  // What the last build_cluster() changed relative to the store's merge before it (see
  // BuildResult::delta); `everything` before the first build. A copy, kept until the next
  // build_cluster(). Reading store().merged() in between takes pending changes into that read's
  // delta instead, so only this loader should merge the store.
  const ClusterDelta& last_delta() const { return last_delta_; }

  // The listing's errors of the last re-scan, every file in error, then the merge conflicts of
  // the last build: each as "file:line:column: field: reason".
  std::vector<Diagnostic> current_errors() const;
  // The notes of the last re-scan's listing and of every file's newest version.
  std::vector<Diagnostic> current_notes() const;

  const std::string& dir() const { return dir_; }
  const ObjectStore& store() const { return store_; }

 private:
  enum class FileResult { parsed, unchanged, removed, needs_rescan };
  FileResult load_file(const std::string& rel);
  // Reads a file known to be a regular one and parses it unless its bytes are unchanged.
  FileResult load_bytes(const std::string& path);

  std::string dir_;
  ObjectStore store_;
  std::map<std::string, uint64_t> digests_;  // display path -> digest of its last bytes
  std::vector<Diagnostic> listing_errors_;
  std::vector<Diagnostic> listing_notes_;
  std::vector<Diagnostic> merge_errors_;
  ClusterDelta last_delta_;
};

}  // namespace podwall
