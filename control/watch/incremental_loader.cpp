#include "control/watch/incremental_loader.h"

#include <sys/stat.h>

#include <cerrno>
#include <set>

namespace podwall {
namespace {

// FNV-1a over the bytes, with the length mixed in: tells "same file again" from a change
// without keeping the bytes. A collision only means a changed file is not re-parsed until its
// next change, which 64 bits make vanishingly unlikely.
uint64_t digest(const std::string& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h ^ (uint64_t(bytes.size()) * 0x9e3779b97f4a7c15ull);
}

}  // namespace

IncrementalLoader::IncrementalLoader(std::string dir) : dir_(std::move(dir)) {}

IncrementalLoader::FileResult IncrementalLoader::load_file(const std::string& rel) {
  std::string path = join_path(dir_, rel);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) return FileResult::needs_rescan;
    digests_.erase(path);
    store_.remove_file(path);
    return FileResult::removed;
  }
  if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) return FileResult::needs_rescan;
  return load_bytes(path);
}

IncrementalLoader::FileResult IncrementalLoader::load_bytes(const std::string& path) {
  FileBytes bytes = read_manifest_bytes(path, path);
  if (bytes.error) {
    store_.replace_file(unreadable_file(path, *bytes.error));
    digests_.erase(path);
    return FileResult::parsed;
  }
  uint64_t d = digest(bytes.bytes);
  auto it = digests_.find(path);
  if (it != digests_.end() && it->second == d) return FileResult::unchanged;
  store_.replace_file(parse_manifest_file(path, bytes.bytes));
  digests_[path] = d;
  return FileResult::parsed;
}

ApplyStats IncrementalLoader::rescan() {
  ApplyStats stats;
  stats.rescanned = true;
  DirectoryListing listing = list_manifest_files(dir_);
  listing_errors_.clear();
  listing_notes_.clear();
  for (Diagnostic& d : listing.diagnostics) {
    (d.is_error() ? listing_errors_ : listing_notes_).push_back(std::move(d));
  }

  std::set<std::string> present;
  for (const std::string& rel : listing.files) present.insert(join_path(dir_, rel));
  if (listing.complete) {
    std::vector<std::string> gone;
    for (const auto& [path, _] : digests_)
      if (!present.count(path)) gone.push_back(path);
    // Files that failed to read have no digest but may be in the store: the store is the truth.
    for (const std::string& path : gone) {
      digests_.erase(path);
      store_.remove_file(path);
      ++stats.removed;
    }
  }
  for (const std::string& rel : listing.files) {
    // Listed files were vetted by the listing (symlinks inside the tree): read through them.
    if (load_bytes(join_path(dir_, rel)) == FileResult::unchanged) {
      ++stats.unchanged;
    } else {
      ++stats.parsed;
    }
  }
  if (listing.complete) {
    // A file that only ever failed to read is in the store without a digest; drop it if gone.
    for (const Diagnostic& e : store_.current_errors()) {
      const std::string& path = e.pos.file;
      if (!present.count(path) && !digests_.count(path)) store_.remove_file(path);
    }
  }
  return stats;
}

ApplyStats IncrementalLoader::apply(const ChangeSet& changes) {
  if (changes.rescan) return rescan();
  ApplyStats stats;
  for (const std::string& rel : changes.files) {
    switch (load_file(rel)) {
      case FileResult::parsed:
        ++stats.parsed;
        break;
      case FileResult::unchanged:
        ++stats.unchanged;
        break;
      case FileResult::removed:
        ++stats.removed;
        break;
      case FileResult::needs_rescan:
        return rescan();
    }
  }
  return stats;
}

const Cluster& IncrementalLoader::build_cluster() {
  const BuildResult& built = store_.merged();
  merge_errors_ = built.errors;
  last_delta_ = built.delta;
  return built.cluster;
}

std::vector<Diagnostic> IncrementalLoader::current_errors() const {
  std::vector<Diagnostic> out = listing_errors_;
  std::vector<Diagnostic> files = store_.current_errors();
  out.insert(out.end(), files.begin(), files.end());
  out.insert(out.end(), merge_errors_.begin(), merge_errors_.end());
  return out;
}

std::vector<Diagnostic> IncrementalLoader::current_notes() const {
  std::vector<Diagnostic> out = listing_notes_;
  std::vector<Diagnostic> files = store_.current_notes();
  out.insert(out.end(), files.begin(), files.end());
  return out;
}

}  // namespace podwall
