#pragma once
// Helpers shared by the loader tests: scratch directories and diagnostic lookups.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "control/loader/loader.h"

namespace podwall::test {

// A directory under $TMPDIR that removes itself, even when the test fails.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "podwall-loader-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    if (!made) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    // Restore permissions a test may have removed, so the cleanup can descend.
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_symlink()) {
        std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
      }
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& rel) const { return path_ + "/" + rel; }

  void write(const std::string& rel, const std::string& content) const {
    std::filesystem::path p = file(rel);
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
  }
  void symlink(const std::string& target, const std::string& rel) const {
    std::filesystem::path p = file(rel);
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }

 private:
  std::string path_;
};

inline std::string source_root() {
  const char* root = std::getenv("PODWALL_SOURCE_ROOT");
  return root ? root : ".";
}

inline std::string data_dir(const std::string& name) {
  return source_root() + "/tests/data/loader/" + name;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Diagnostics whose file ends with `file_suffix` and whose message contains `text`.
inline std::vector<Diagnostic> find(const std::vector<Diagnostic>& all,
                                    const std::string& file_suffix, const std::string& text = "") {
  std::vector<Diagnostic> out;
  for (const auto& d : all) {
    if (ends_with(d.pos.file, file_suffix) && d.message.find(text) != std::string::npos) {
      out.push_back(d);
    }
  }
  return out;
}

inline std::string dump(const std::vector<Diagnostic>& all) {
  std::string out;
  for (const auto& d : all) out += "  " + d.to_string() + "\n";
  return out;
}

template <typename T>
const T* find_object(const std::vector<T>& objects, const std::string& ns,
                     const std::string& name) {
  for (const auto& o : objects) {
    if (o.namespace_name == ns && o.name == name) return &o;
  }
  return nullptr;
}

inline const Namespace* find_namespace(const Cluster& c, const std::string& name) {
  for (const auto& ns : c.namespaces) {
    if (ns.name == name) return &ns;
  }
  return nullptr;
}

}  // namespace podwall::test
