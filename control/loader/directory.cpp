#include "control/loader/directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "control/loader/limits.h"

namespace podwall {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_inside(const fs::path& root, const fs::path& target) {
  auto mismatch = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
  return mismatch.first == root.end();
}

class Walker {
 public:
  Walker(const std::string& dir, const ListingLimits& limits) : dir_(dir), limits_(limits) {}

  DirectoryListing run() {
    std::error_code ec;
    root_ = fs::canonical(dir_, ec);
    if (ec || !fs::is_directory(root_, ec)) {
      error(dir_, "cannot open manifest directory: " + (ec ? ec.message() : "not a directory"));
      out_.complete = false;
      return std::move(out_);
    }
    seen_dirs_.insert(root_);
    walk(root_, "", 0);
    std::sort(out_.files.begin(), out_.files.end());
    return std::move(out_);
  }

 private:
  void error(const std::string& path, std::string message) {
    out_.diagnostics.push_back(
        Diagnostic{Diagnostic::Severity::error, SourcePos{path, 0, 0}, "", std::move(message)});
  }
  void note(const std::string& path, std::string message) {
    out_.diagnostics.push_back(
        Diagnostic{Diagnostic::Severity::note, SourcePos{path, 0, 0}, "", std::move(message)});
  }

  void walk(const fs::path& real_dir, const std::string& rel_dir, int depth) {
    if (depth > limits_.max_depth) {
      error(join_path(dir_, rel_dir), "directories nested deeper than " +
                                          std::to_string(limits_.max_depth) + " levels; not read");
      out_.complete = false;
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(real_dir, ec);
    if (ec) {
      error(join_path(dir_, rel_dir), "cannot read directory: " + ec.message());
      out_.complete = false;
      return;
    }
    std::vector<std::string> names;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    if (ec) {
      error(join_path(dir_, rel_dir), "cannot read directory: " + ec.message());
      out_.complete = false;
    }
    // Sorted, so that which of two aliases of one file is listed does not depend on readdir.
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      if (stopped_) return;
      visit(real_dir / name, rel_dir.empty() ? name : rel_dir + "/" + name, depth);
    }
  }

  void visit(const fs::path& path, const std::string& rel, int depth) {
    std::string name = path.filename().string();
    if (is_ignored_name(name)) return;
    std::string shown = join_path(dir_, rel);
    std::error_code ec;
    fs::file_status link_status = fs::symlink_status(path, ec);
    if (ec) {
      error(shown, "cannot stat: " + ec.message());
      return;
    }
    fs::path real = path;
    if (fs::is_symlink(link_status)) {
      real = fs::canonical(path, ec);
      if (ec) {
        bool loop = ec == std::errc::too_many_symbolic_link_levels;
        error(shown,
              loop ? "symlink loop; ignored" : "broken symlink (" + ec.message() + "); ignored");
        return;
      }
      if (!is_inside(root_, real)) {
        error(shown,
              "symlink points outside the manifest directory (to " + real.string() + "); ignored");
        return;
      }
    }
    fs::file_status status = fs::status(real, ec);
    if (ec) {
      error(shown, "cannot stat: " + ec.message());
      return;
    }
    if (fs::is_directory(status)) {
      if (!seen_dirs_.insert(real).second) {
        note(shown,
             "directory already listed through another path (symlink loop or alias); "
             "skipped");
        return;
      }
      walk(real, rel, depth + 1);
      return;
    }
    if (!has_manifest_extension(name)) return;
    if (!fs::is_regular_file(status)) {
      error(shown, "not a regular file; ignored");
      return;
    }
    auto [first, inserted] = seen_files_.emplace(real, rel);
    if (!inserted) {
      note(shown, "same file as " + join_path(dir_, first->second) + "; skipped");
      return;
    }
    if (out_.files.size() >= limits_.max_files) {
      error(dir_, "more than " + std::to_string(limits_.max_files) +
                      " manifest files; the limit is " + std::to_string(limits_.max_files) +
                      ", the rest are not loaded");
      out_.complete = false;
      stopped_ = true;
      return;
    }
    out_.files.push_back(rel);
  }

  std::string dir_;
  ListingLimits limits_;
  fs::path root_;
  DirectoryListing out_;
  std::set<fs::path> seen_dirs_;
  std::map<fs::path, std::string> seen_files_;
  bool stopped_ = false;
};

}  // namespace

DirectoryListing list_manifest_files(const std::string& dir, const ListingLimits& limits) {
  return Walker(dir, limits).run();
}

bool is_ignored_name(const std::string& name) {
  if (name.empty() || name[0] == '.') return true;  // hidden, .#lock, ..data, .swp of vim
  if (name == "4913") return true;
  if (ends_with(name, "~") || ends_with(name, ".swp") || ends_with(name, ".swx") ||
      ends_with(name, ".tmp")) {
    return true;
  }
  return name.size() >= 2 && name.front() == '#' && name.back() == '#';
}

bool has_manifest_extension(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return ends_with(lower, ".yaml") || ends_with(lower, ".yml") || ends_with(lower, ".json");
}

std::string join_path(const std::string& dir, const std::string& rel) {
  if (rel.empty()) return dir;
  if (dir.empty()) return rel;
  return dir.back() == '/' ? dir + rel : dir + "/" + rel;
}

FileBytes read_manifest_bytes(const std::string& path, const std::string& display_path) {
  FileBytes out;
  auto fail = [&](std::string message) {
    out.bytes.clear();
    out.error = Diagnostic{Diagnostic::Severity::error, SourcePos{display_path, 0, 0}, "",
                           std::move(message)};
    return std::move(out);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return fail(std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("not a regular file");
  }
  if (size_t(st.st_size) > max_manifest_bytes) {
    ::close(fd);
    return fail("file is " + std::to_string(st.st_size) + " bytes; the limit is " +
                std::to_string(max_manifest_bytes) + " bytes (16 MiB)");
  }
  // The file may grow while we read it; never read past the limit.
  out.bytes.resize(size_t(st.st_size) + 1);
  size_t used = 0;
  while (used <= max_manifest_bytes) {
    if (used == out.bytes.size())
      out.bytes.resize(std::min(out.bytes.size() * 2, max_manifest_bytes + 1));
    ssize_t n = ::read(fd, out.bytes.data() + used, out.bytes.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      return fail(std::string("cannot read: ") + std::strerror(saved));
    }
    if (n == 0) break;
    used += size_t(n);
    if (used == out.bytes.size() && used > max_manifest_bytes) break;
  }
  ::close(fd);
  if (used > max_manifest_bytes) {
    return fail("file is larger than the limit of " + std::to_string(max_manifest_bytes) +
                " bytes (16 MiB)");
  }
  out.bytes.resize(used);
  return out;
}

}  // namespace podwall
