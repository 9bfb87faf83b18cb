// libFuzzer target: a sequence of file changes through the ObjectStore and the incremental
// compiler, each step checked against starting over.
//
// The input is a list of operations separated by NUL bytes. An operation's first byte (never
// NUL: f0 is picked by 4) picks one of four files by its low two bits and says whether the file
// is removed (the high bit) or replaced by the rest of the operation. After each operation:
//   - the store's merged cluster and its conflicts are those of a new store given the same
//     files (the last good version of each, then its newest if that failed);
//   - unless the store says `everything`, its delta lists exactly the pods and policies that
//     were added, removed or changed since the previous merge, and the namespaces did not move;
//   - the tables PolicyCompiler::update() makes from that delta answer every flow as a full
//     compile of the merged cluster does (tests/fuzz/policy_checks.h).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "control/loader/manifest_file.h"
#include "control/loader/object_store.h"
#include "tests/fuzz/policy_checks.h"

namespace {

using namespace podwall;

constexpr size_t kMaxOperations = 12;

struct FileVersions {
  std::optional<FileLoad> good;  // the last version that loaded cleanly
  FileLoad newest;
};

std::string key_text(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

std::vector<std::string> error_texts(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.to_string());
  return out;
}

template <typename Object>
std::map<std::string, const Object*> by_key(const std::vector<Object>& objects) {
  std::map<std::string, const Object*> out;
  for (const Object& o : objects) out[key_text(o.namespace_name, o.name)] = &o;
  return out;
}

[[noreturn]] void fail_count(const char* what, size_t got, size_t want) {
  fuzz::fail("merged store differs from a new one",
             std::string(what) + " count " + std::to_string(got) + " vs " + std::to_string(want));
}

template <typename Object>
void check_same_objects(const std::vector<Object>& got, const std::vector<Object>& want,
                        const char* what) {
  if (got.size() != want.size()) fail_count(what, got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i].namespace_name != want[i].namespace_name || got[i].name != want[i].name ||
        !same_content(got[i], want[i])) {
      fuzz::fail("merged store differs from a new one",
                 std::string(what) + " " + key_text(got[i].namespace_name, got[i].name) + " vs " +
                     key_text(want[i].namespace_name, want[i].name));
    }
  }
}

void check_same_cluster(const Cluster& got, const Cluster& want) {
  if (got.namespaces.size() != want.namespaces.size()) {
    fail_count("namespace", got.namespaces.size(), want.namespaces.size());
  }
  for (size_t i = 0; i < got.namespaces.size(); ++i) {
    if (got.namespaces[i].name != want.namespaces[i].name ||
        got.namespaces[i].labels != want.namespaces[i].labels) {
      fuzz::fail("merged store differs from a new one", "namespace " + got.namespaces[i].name);
    }
  }
  check_same_objects(got.pods, want.pods, "pod");
  check_same_objects(got.policies, want.policies, "policy");
}

std::vector<std::string> sorted_keys(const std::vector<ObjectKey>& keys) {
  std::vector<std::string> out;
  for (const ObjectKey& k : keys) out.push_back(key_text(k.namespace_name, k.name));
  std::sort(out.begin(), out.end());
  return out;
}

// The pods (or policies) that really were added, removed and changed between two clusters.
template <typename Object>
void check_listed(const std::vector<Object>& before, const std::vector<Object>& after,
                  const std::vector<ObjectKey>& added, const std::vector<ObjectKey>& removed,
                  const std::vector<ObjectKey>& changed, const char* what) {
  const auto old_objects = by_key(before);
  const auto new_objects = by_key(after);
  std::vector<std::string> real_added, real_removed, real_changed;
  for (const auto& [key, object] : new_objects) {
    auto it = old_objects.find(key);
    if (it == old_objects.end()) {
      real_added.push_back(key);
    } else if (!same_content(*it->second, *object)) {
      real_changed.push_back(key);
    }
  }
  for (const auto& [key, object] : old_objects) {
    if (!new_objects.count(key)) real_removed.push_back(key);
  }
  if (sorted_keys(added) != real_added || sorted_keys(removed) != real_removed ||
      sorted_keys(changed) != real_changed) {
    fuzz::fail("the delta does not list what changed", what);
  }
}

void check_delta(const Cluster& before, const Cluster& after, const ClusterDelta& delta) {
  if (before.namespaces.size() != after.namespaces.size()) {
    fuzz::fail("namespaces changed without `everything`", "");
  }
  for (size_t i = 0; i < before.namespaces.size(); ++i) {
    if (before.namespaces[i].name != after.namespaces[i].name ||
        before.namespaces[i].labels != after.namespaces[i].labels) {
      fuzz::fail("namespaces changed without `everything`", before.namespaces[i].name);
    }
  }
  check_listed(before.pods, after.pods, delta.pods_added, delta.pods_removed, delta.pods_changed,
               "pods");
  check_listed(before.policies, after.policies, delta.policies_added, delta.policies_removed,
               delta.policies_changed, "policies");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::map<std::string, FileVersions> files;
  ObjectStore store;
  PolicyCompiler compiler;
  std::unique_ptr<PolicyTables> tables;
  Cluster previous;

  for (size_t step = 0; step < kMaxOperations && !input.empty(); ++step) {
    const size_t end = std::min(input.find('\0'), input.size());
    const std::string_view operation = input.substr(0, end);
    input.remove_prefix(std::min(end + 1, input.size()));
    if (operation.empty()) continue;

    const std::string path = "f" + std::to_string(operation[0] & 3) + ".yaml";
    if (operation[0] & 0x80) {
      store.remove_file(path);
      files.erase(path);
    } else {
      const std::string_view bytes = operation.substr(1);
      FileLoad load = parse_manifest_file(path, bytes);
      fuzz::check_diagnostics(load.diagnostics, path, bytes);
      store.replace_file(load);
      FileVersions& versions = files[path];
      if (load.ok()) versions.good = load;
      versions.newest = std::move(load);
    }

    const BuildResult& merged = store.merged();
    ObjectStore fresh;
    for (const auto& [name, versions] : files) {
      if (versions.good) fresh.replace_file(*versions.good);
      if (!versions.newest.ok()) fresh.replace_file(versions.newest);
    }
    const BuildResult& full = fresh.merged();
    check_same_cluster(merged.cluster, full.cluster);
    if (error_texts(merged.errors) != error_texts(full.errors) ||
        error_texts(store.current_errors()) != error_texts(fresh.current_errors())) {
      fuzz::fail("merged store reports other errors than a new one", "");
    }
    if (tables && !merged.delta.everything) check_delta(previous, merged.cluster, merged.delta);

    try {
      tables = tables ? compiler.update(merged.cluster, merged.delta, *tables)
                      : compiler.compile(merged.cluster);
    } catch (const std::length_error&) {
      return 0;  // past the tables' documented limits: refused, as the daemon refuses it
    }
    fuzz::check_same_as_full_compile(*tables, compiler.last_was_patch(), merged.cluster);
    previous = merged.cluster;
  }
  return 0;
}
