// libFuzzer target: any byte string as a manifest file through the loader, the compiler, the
// incremental compiler and classify().
//
// The input is one file, or two versions of it separated by a NUL byte (the loader rejects NUL
// bytes, so the separator never hides a valid manifest). Checks beyond the sanitizers:
//   - every diagnostic names the file, a line inside it (or none) and says something;
//   - a file that loads compiles, and classify(), classify_burst() and explain() agree on
//     every flow between its pods, a few outside addresses, and the ports its objects name;
//   - with two versions: the tables update() patches from the first version's give, on every
//     flow, the verdict and explanation of a full compile of the second, and update() leaves
//     the first version's tables as they were.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "control/loader/manifest_file.h"
#include "control/loader/object_store.h"
#include "tests/fuzz/policy_checks.h"

using namespace podwall;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = "fuzz.yaml";
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t separator = input.find('\0');
  const std::string_view first = input.substr(0, separator);

  ObjectStore store;
  FileLoad load = parse_manifest_file(path, first);
  fuzz::check_diagnostics(load.diagnostics, path, first);
  store.replace_file(load);
  const Cluster before = store.merged().cluster;

  PolicyCompiler compiler;
  std::unique_ptr<PolicyTables> tables;
  try {
    tables = compiler.compile(before);
  } catch (const std::length_error&) {
    return 0;  // past the tables' documented limits: refused, as the daemon refuses it
  }
  const std::vector<FlowQuery> flows_before = fuzz::flows_for(before);
  fuzz::check_consistent(*tables, flows_before);
  if (separator == std::string_view::npos) return 0;

  const std::string_view second = input.substr(separator + 1);
  FileLoad next = parse_manifest_file(path, second);
  fuzz::check_diagnostics(next.diagnostics, path, second);
  store.replace_file(next);
  const BuildResult& after = store.merged();

  const std::vector<std::string> previous = fuzz::answers(*tables, flows_before);
  std::unique_ptr<PolicyTables> updated;
  try {
    updated = compiler.update(after.cluster, after.delta, *tables);
  } catch (const std::length_error&) {
    return 0;
  }
  if (fuzz::answers(*tables, flows_before) != previous) {
    fuzz::fail("update() changed its input tables", "");
  }
  fuzz::check_same_as_full_compile(*updated, compiler.last_was_patch(), after.cluster);
  return 0;
}
