#pragma once
// The objects of every manifest file, keyed by file, with the last good version of each file
// kept while its current version fails. A revision counter grows on every change, so a
// publisher can tell which state a compiled table came from.
//
// The merged Cluster is kept between builds. A change to files holding only pods and policies
// that collide with nothing is patched into it (a few binary searches per object, instead of
// copying and sorting every object of a 100,000-pod cluster); anything else -- a Namespace
// object, a duplicate name, a contested address, a cluster that already has conflicts --
// rebuilds it from the files, the one definition of the merge.
//
// Not thread-safe: owned and called by the control thread only.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
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
  // What changed since the previous merged() call. A call that applies file changes patched
  // into the kept cluster lists them object by object; a call with nothing new to apply gives
  // an empty delta (`everything == false`). The first merge, every full merge, and any change
  // that touches Namespace objects or makes an implied namespace appear or go set
  // `everything` (the lists are then empty).
  ClusterDelta delta;
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
  // implied Namespace for every namespace used but not declared. The reference stays valid
  // until the next change to the store. Its `delta` is relative to the previous call, so a
  // second call without a change in between reports nothing: whoever compiles from the delta
  // must be the only caller.
  const BuildResult& merged() const;
  // A copy of merged(), for callers that keep the Cluster.
  BuildResult build_cluster() const { return merged(); }

 private:
  // Good objects that left and entered the store with one file change, in change order.
  struct Change {
    FileLoad left;
    FileLoad entered;
  };
  struct Merged {
    BuildResult result;
    std::set<std::string> declared;                          // namespaces with a Namespace object
    std::map<std::string, size_t> uses;                      // pods and policies per namespace
    std::unordered_set<IpAddress, IpAddressHash> addresses;  // every pod address, once
    // Since the last merged(), per implied namespace: +1 each time it appeared, -1 each time it
    // went. Zero for every name when the namespace list is back where it was.
    std::map<std::string, int> implied_balance;
  };

  void merge_all() const;
  bool patch(const Change& change) const;
  // The delta of the changes_ just patched in, relative to the cluster before them.
  ClusterDelta patched_delta() const;
  void forget(const std::string& ns) const;
  void use(const std::string& ns) const;
  void record_change(FileLoad left, const FileLoad* entered);

  // Past this many file changes between two merges, one full merge is cheaper than patching.
  static constexpr size_t kMaxPatchedChanges = 64;

  struct FileState {
    bool has_good = false;
    FileLoad good;  // objects of the last version that loaded cleanly
    std::vector<Diagnostic> errors;
    std::vector<Diagnostic> notes;
  };

  std::map<std::string, FileState> files_;
  uint64_t revision_ = 0;
  // The merge of the last merged() call, and the changes since (a memo: logically const).
  mutable std::optional<Merged> merged_;
  mutable std::vector<Change> changes_;
};

}  // namespace podwall
