#include "control/loader/load_directory.h"

#include "control/loader/directory.h"
#include "control/loader/parse_files.h"

namespace podwall {

LoadResult load_directory(const std::string& dir) {
  ObjectStore store;
  return load_directory(dir, store);
}

LoadResult load_directory(const std::string& dir, ObjectStore& store) {
  LoadResult result;
  DirectoryListing listing = list_manifest_files(dir);
  result.listing_complete = listing.complete;
  for (Diagnostic& d : listing.diagnostics) {
    (d.is_error() ? result.errors : result.notes).push_back(std::move(d));
  }
  std::vector<std::string> paths;
  paths.reserve(listing.files.size());
  for (const std::string& rel : listing.files) paths.push_back(join_path(dir, rel));
  read_and_parse_files(paths, [&](FileLoad& load) {
    if (load.ok()) ++result.files_loaded;  // an unreadable file carries its error
    store.replace_file(load);
  });
  BuildResult built = store.build_cluster();
  result.cluster = std::move(built.cluster);
  auto file_errors = store.current_errors();
  result.errors.insert(result.errors.end(), file_errors.begin(), file_errors.end());
  result.errors.insert(result.errors.end(), built.errors.begin(), built.errors.end());
  auto notes = store.current_notes();
  result.notes.insert(result.notes.end(), notes.begin(), notes.end());
  return result;
}

}  // namespace podwall
