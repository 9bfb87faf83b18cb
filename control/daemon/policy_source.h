#pragma once
// Where the daemon's policy comes from: the manifest directory, loaded into an ObjectStore
// that lives as long as the daemon, so a reload in which a file fails keeps that file's last
// good objects in force (never fail open because of a bad file), and a file that disappeared
// takes its objects with it.
//
// Control thread only; blocks on the file system and the compiler. Issue 4's directory
// watcher replaces the "reload everything" below with per-file updates of the same store.

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "control/loader/loader.h"
#include "dataplane/policy/tables.h"

namespace podwall {

class PolicySource {
 public:
  PolicySource(std::string dir, bool print_notes);

  // Lists and loads the whole directory, prints the loader's findings (file:line:column) to
  // stderr and compiles. Always returns tables: with errors, they hold the good files only.
  std::unique_ptr<PolicyTables> load();

  size_t loads() const { return loads_; }

 private:
  std::string dir_;
  bool print_notes_;
  ObjectStore store_;
  std::set<std::string> known_files_;  // paths in the store, to notice deletions
  size_t loads_ = 0;
};

}  // namespace podwall
