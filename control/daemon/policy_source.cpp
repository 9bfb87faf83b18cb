#include "control/daemon/policy_source.h"

#include <cstdio>

#include "control/compiler/compiler.h"

namespace podwall {

PolicySource::PolicySource(std::string dir, bool print_notes)
    : dir_(std::move(dir)), print_notes_(print_notes) {}

std::unique_ptr<PolicyTables> PolicySource::load() {
  // Files gone since the last load leave the store; only when the listing is complete, since a
  // directory we could not read does not mean its files (deny policies maybe) were deleted.
  DirectoryListing listing = list_manifest_files(dir_);
  std::set<std::string> present;
  for (const std::string& rel : listing.files) present.insert(join_path(dir_, rel));
  if (listing.complete) {
    for (const std::string& path : known_files_) {
      if (!present.count(path)) store_.remove_file(path);
    }
  }
  LoadResult result = load_directory(dir_, store_);
  if (listing.complete) {
    known_files_ = std::move(present);
  } else {
    known_files_.insert(present.begin(), present.end());
  }
  ++loads_;

  for (const auto& d : result.errors) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  if (print_notes_) {
    for (const auto& d : result.notes) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  }
  const Cluster& c = result.cluster;
  std::fprintf(stderr,
               "podwall: %s: %zu file(s) loaded, %zu error(s); %zu namespace(s), %zu pod(s), "
               "%zu network polic%s\n",
               dir_.c_str(), result.files_loaded, result.errors.size(), c.namespaces.size(),
               c.pods.size(), c.policies.size(), c.policies.size() == 1 ? "y" : "ies");
  return compile_policy(c);
}

}  // namespace podwall
