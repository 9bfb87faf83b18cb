#pragma once
// inotify on a manifest directory and its sub-directories, turned into a ChangeSet.
//
// Per-file events (the file's relative path is reported):
//   IN_CLOSE_WRITE          a writer finished (a plain IN_MODIFY is not acted on: half a file)
//   IN_MOVED_TO / _FROM     renamed in or out (how deployment tools and editors land files)
//   IN_DELETE               removed
//   IN_CREATE               only for symlinks and hard links, which get no close-write
// Whole-directory events (a full re-scan is asked for):
//   IN_Q_OVERFLOW           the kernel dropped events
//   a `..data` entry        a Kubernetes ConfigMap volume swapped its data directory: the
//                           visible names are symlinks through `..data`, which is replaced by
//                           rename, so every file may have changed at once
//   a sub-directory         created, moved in (watched from then on), moved out or deleted
//   the directory itself    deleted or moved
// Hidden names, editor temporaries and files without a manifest extension are ignored, as
// list_manifest_files() ignores them.
//
// Thread: one control thread owns the object; nothing blocks (the fd is non-blocking, meant
// for poll()).

#include <map>
#include <string>

#include "control/watch/change_set.h"

namespace podwall {

class DirectoryWatcher {
 public:
  DirectoryWatcher() = default;
  ~DirectoryWatcher();
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

  // Starts watching `dir` and every visible sub-directory under it. False with a message when
  // inotify is unavailable or `dir` cannot be watched.
  bool start(const std::string& dir, std::string& error);

  // The inotify descriptor to poll() for POLLIN; -1 before start().
  int fd() const { return fd_; }

  // Reads every pending event (never blocks) into `changes`.
  void drain(ChangeSet& changes);

  // Number of directories under watch (for status and tests).
  size_t watched_directories() const { return dirs_.size(); }

 private:
  void add_tree(const std::string& rel, int depth);
  void forget_tree(const std::string& rel);
  void handle(int wd, uint32_t mask, const std::string& name, ChangeSet& changes,
              ChangeSet::Clock::time_point now);

  std::string root_;
  int fd_ = -1;
  std::map<int, std::string> dirs_;  // watch descriptor -> directory, relative ("" = root)
};

}  // namespace podwall
