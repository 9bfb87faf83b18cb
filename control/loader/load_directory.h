#pragma once
// Loading a whole manifest directory at once: start-up, `podwallctl`, and the unit tests.

#include <string>
#include <vector>

#include "control/loader/diagnostic.h"
#include "control/loader/object_store.h"
#include "control/model.h"

namespace podwall {

struct LoadResult {
  Cluster cluster;
  std::vector<Diagnostic> errors;  // listing, file and merge errors
  std::vector<Diagnostic> notes;
  size_t files_loaded = 0;  // files that loaded without error
  bool listing_complete = true;
};

// Lists, reads and parses every manifest under `dir` into `store` (a fresh one by default) and
// builds the cluster. Files that fail contribute nothing here, since there is no earlier good
// version. Blocks on the file system; control thread or tools only.
LoadResult load_directory(const std::string& dir);
LoadResult load_directory(const std::string& dir, ObjectStore& store);

}  // namespace podwall
