#include "control/watch/directory_watcher.h"

#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "control/loader/directory.h"
#include "control/loader/limits.h"

namespace podwall {
namespace {

constexpr uint32_t kDirMask = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE |
                              IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// Kubernetes' atomic writer names the symlink it swaps `..data`; its temporary `..data_tmp`.
bool is_configmap_swap(const std::string& name) {
  return name == "..data";
}

std::string child(const std::string& rel, const std::string& name) {
  return rel.empty() ? name : rel + "/" + name;
}

}  // namespace

DirectoryWatcher::~DirectoryWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

bool DirectoryWatcher::start(const std::string& dir, std::string& error) {
  root_ = dir;
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    error = std::string("inotify_init1: ") + std::strerror(errno);
    return false;
  }
  // The root may itself be a symlink (a ConfigMap mount point seen through one): follow it.
  int wd = inotify_add_watch(fd_, dir.c_str(), kDirMask);
  if (wd < 0) {
    error = "cannot watch " + dir + ": " + std::strerror(errno);
    return false;
  }
  dirs_[wd] = "";
  add_tree("", 0);
  return true;
}

// Watches the visible sub-directories of `rel` (already watched itself), recursively.
// Symlinked directories are not followed: the listing reaches their targets inside the tree.
void DirectoryWatcher::add_tree(const std::string& rel, int depth) {
  if (depth >= max_directory_depth) return;
  std::string path = join_path(root_, rel);
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return;
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (is_ignored_name(name)) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = ::lstat(join_path(path, name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) subdirs.push_back(name);
  }
  ::closedir(d);
  for (const std::string& name : subdirs) {
    std::string sub = child(rel, name);
    int wd = inotify_add_watch(fd_, join_path(root_, sub).c_str(), kDirMask | IN_DONT_FOLLOW);
    if (wd < 0) continue;  // gone already, or out of watches: the re-scan still lists it
    dirs_[wd] = sub;
    add_tree(sub, depth + 1);
  }
}

// A directory moved out of the tree keeps its watches (with stale paths): drop them.
void DirectoryWatcher::forget_tree(const std::string& rel) {
  std::string prefix = rel + "/";
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    if (it->second == rel || it->second.compare(0, prefix.size(), prefix) == 0) {
      inotify_rm_watch(fd_, it->first);
      it = dirs_.erase(it);
    } else {
      ++it;
    }
  }
}

void DirectoryWatcher::drain(ChangeSet& changes) {
  if (fd_ < 0) return;
  alignas(inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: drained
    auto now = ChangeSet::Clock::now();
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      std::string name = ev->len > 0 ? std::string(ev->name) : std::string();
      handle(ev->wd, ev->mask, name, changes, now);
      p += sizeof(inotify_event) + ev->len;
    }
  }
}

void DirectoryWatcher::handle(int wd, uint32_t mask, const std::string& name, ChangeSet& changes,
                              ChangeSet::Clock::time_point now) {
  if (mask & IN_Q_OVERFLOW) {
    changes.note_rescan(now);
    return;
  }
  auto it = dirs_.find(wd);
  if (mask & IN_IGNORED) {
    if (it != dirs_.end()) dirs_.erase(it);
    return;
  }
  if (it == dirs_.end()) return;  // a watch we already dropped
  const std::string rel_dir = it->second;
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
    // The root gone (or moved) or a sub-directory gone: only a listing can tell what is left.
    changes.note_rescan(now);
    return;
  }
  if (is_configmap_swap(name)) {
    changes.note_rescan(now);
    return;
  }
  if (is_ignored_name(name)) return;
  std::string rel = child(rel_dir, name);
  if (mask & IN_ISDIR) {
    if (mask & (IN_CREATE | IN_MOVED_TO)) {
      int sub = inotify_add_watch(fd_, join_path(root_, rel).c_str(), kDirMask | IN_DONT_FOLLOW);
      if (sub >= 0) {
        dirs_[sub] = rel;
        add_tree(rel, 1);
      }
    } else if (mask & IN_MOVED_FROM) {
      forget_tree(rel);
    }
    changes.note_rescan(now);
    return;
  }
  if (!has_manifest_extension(name)) return;
  if (mask & IN_CREATE) {
    // A regular file is announced again by its close-write, once it is whole. A symlink or a
    // hard link is complete when it appears and gets no other event.
    struct stat st {};
    if (::lstat(join_path(root_, rel).c_str(), &st) != 0) return;
    if (!S_ISLNK(st.st_mode) && !(S_ISREG(st.st_mode) && st.st_nlink > 1)) return;
  }
  changes.note_file(rel, now);
}

}  // namespace podwall
