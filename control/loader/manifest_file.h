#pragma once
// One manifest file: YAML or JSON bytes in, validated Namespaces, Pods and NetworkPolicies out.

#include <string>
#include <string_view>
#include <vector>

#include "control/loader/diagnostic.h"
#include "control/model.h"

namespace podwall {

struct FileLoad {
  std::string path;  // as displayed in diagnostics, and the file's key in the ObjectStore
  std::vector<Namespace> namespaces;
  std::vector<Pod> pods;
  std::vector<NetworkPolicy> policies;
  std::vector<Diagnostic> diagnostics;  // every error found, plus notes

  // A file with any error counts as failed as a whole: its objects must not be used, and the
  // previous good version of the file stays in force.
  bool ok() const { return !has_errors(diagnostics); }
};

// Parses every document of a file: multi-document YAML, `kind: List` (and the typed
// NamespaceList / PodList / NetworkPolicyList), JSON. Kinds other than Namespace, Pod and
// NetworkPolicy are skipped with a note. Never throws; pure function of its arguments, so it
// may run on any thread.
FileLoad parse_manifest_file(const std::string& display_path, std::string_view bytes);

// The load of a file that could not be read: no objects, only `error`. Given to the store, it
// leaves the file's last good version in force.
FileLoad unreadable_file(const std::string& display_path, Diagnostic error);

}  // namespace podwall
