#pragma once
// What the directory watcher saw since the last reload: manifest files that may have changed
// (relative to the watched directory, '/'-separated) and whether only a full re-scan can tell
// what happened (queue overflow, a directory appearing or leaving, a ConfigMap `..data` swap).
//
// Plain value; owned by the control thread.

#include <chrono>
#include <set>
#include <string>

namespace podwall {

struct ChangeSet {
  using Clock = std::chrono::steady_clock;

  std::set<std::string> files;
  bool rescan = false;
  Clock::time_point first_seen{};  // when the oldest change of this batch was read
  Clock::time_point last_seen{};   // when the newest one was

  bool empty() const { return files.empty() && !rescan; }

  void note_file(std::string rel, Clock::time_point now) {
    touch(now);
    files.insert(std::move(rel));
  }
  void note_rescan(Clock::time_point now) {
    touch(now);
    rescan = true;
  }

 private:
  void touch(Clock::time_point now) {
    if (empty()) first_seen = now;
    last_seen = now;
  }
};

}  // namespace podwall
