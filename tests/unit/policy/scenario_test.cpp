// Every lab scenario (config/lab) and every semantic rule folder (tests/data/semantics) is a
// test: load the folder, compile it, and check each flow of its flows.tsv through classify(),
// the very verdict code the workers run. A new folder is picked up without touching this file.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "control/compiler/compiler.h"
#include "control/loader/loader.h"
#include "dataplane/policy/classify.h"
#include "dataplane/policy/explain.h"
#include "tests/unit/policy/flow_table.h"

namespace podwall {
namespace {

namespace fs = std::filesystem;

std::string source_root() {
  const char* root = std::getenv("PODWALL_SOURCE_ROOT");
  return root ? root : ".";
}

struct ScenarioDir {
  std::string group;  // "lab" or "semantics"
  std::string path;
};

std::vector<ScenarioDir> scenario_dirs_under(const std::string& group, const fs::path& dir) {
  std::vector<ScenarioDir> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "flows.tsv")) {
      found.push_back({group, entry.path().string()});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const ScenarioDir& a, const ScenarioDir& b) { return a.path < b.path; });
  return found;
}

std::vector<ScenarioDir> lab_dirs() {
  return scenario_dirs_under("lab", fs::path(source_root()) / "config" / "lab");
}

std::vector<ScenarioDir> semantics_dirs() {
  return scenario_dirs_under("semantics", fs::path(source_root()) / "tests" / "data" / "semantics");
}

std::vector<ScenarioDir> all_dirs() {
  auto dirs = lab_dirs();
  auto more = semantics_dirs();
  dirs.insert(dirs.end(), more.begin(), more.end());
  return dirs;
}

std::string verdict_name(Verdict v) {
  return v == Verdict::allow ? "allow" : "deny";
}

class Scenario : public ::testing::TestWithParam<ScenarioDir> {};

TEST_P(Scenario, EveryFlowHasItsExpectedVerdict) {
  const std::string& dir = GetParam().path;
  LoadResult loaded = load_directory(dir);
  for (const Diagnostic& error : loaded.errors) ADD_FAILURE() << error.to_string();
  ASSERT_TRUE(loaded.errors.empty()) << dir << " must load without errors";

  auto tables = compile_policy(loaded.cluster);
  ASSERT_NE(tables, nullptr);

  FlowTable table = read_flow_table(dir + "/flows.tsv", loaded.cluster);
  for (const std::string& error : table.errors) ADD_FAILURE() << error;
  ASSERT_TRUE(table.errors.empty());
  ASSERT_FALSE(table.flows.empty()) << dir << "/flows.tsv holds no flow";

  for (const FlowLine& flow : table.flows) {
    Verdict got = classify(*tables, flow.query);
    if (got == flow.expected) continue;
    ADD_FAILURE_AT(flow.file.c_str(), flow.line)
        << "expected " << verdict_name(flow.expected) << ", classify() says " << verdict_name(got)
        << "\n  flow: " << flow.text
        << "\n  why:  " << format_explanation(*tables, explain(*tables, flow.query));
  }
}

std::string test_name(const ::testing::TestParamInfo<ScenarioDir>& info) {
  std::string name = info.param.group + "_" + fs::path(info.param.path).filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Folders, Scenario, ::testing::ValuesIn(all_dirs()), test_name);

// Guards against a wrong PODWALL_SOURCE_ROOT silently turning the suite above into nothing.
TEST(ScenarioDiscovery, FindsTheLabAndTheSemanticFolders) {
  EXPECT_GE(lab_dirs().size(), 10u) << "under " << source_root() << "/config/lab";
  EXPECT_GE(semantics_dirs().size(), 20u) << "under " << source_root() << "/tests/data/semantics";
}

// The lab runs on one testbed: two pods anywhere in it must never share an address.
TEST(ScenarioDiscovery, LabPodAddressesAreUniqueAcrossScenarios) {
  std::map<IpAddress, std::string> owner;
  for (const ScenarioDir& dir : lab_dirs()) {
    LoadResult loaded = load_directory(dir.path);
    for (const Pod& pod : loaded.cluster.pods) {
      std::string who = dir.path + ": " + pod.namespace_name + "/" + pod.name;
      for (const IpAddress& address : pod.addresses) {
        auto [it, inserted] = owner.emplace(address, who);
        EXPECT_TRUE(inserted) << address.to_string() << " is used by " << it->second << " and "
                              << who;
      }
    }
  }
}

}  // namespace
}  // namespace podwall
