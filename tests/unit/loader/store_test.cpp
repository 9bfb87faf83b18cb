// The ObjectStore: last good version per file, revisions, and conflicts across files.

#include <gtest/gtest.h>

#include <random>

#include "test_util.h"

namespace podwall {
namespace {

std::string pod(const std::string& name, const std::string& ip = "",
                const std::string& ns = "shop") {
  std::string out =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: " + ns + "}\n";
  if (!ip.empty()) out += "status: {podIP: " + ip + "}\n";
  return out;
}

TEST(Store, FailedFileKeepsLastGoodObjects) {
  ObjectStore store;
  EXPECT_EQ(store.revision(), 0u);
  store.replace_file(parse_manifest_file("a.yaml", pod("a", "198.18.0.1")));
  uint64_t r1 = store.revision();
  EXPECT_GT(r1, 0u);
  EXPECT_TRUE(store.current_errors().empty());

  // A broken edit: the old pod stays, the errors are current.
  store.replace_file(parse_manifest_file("a.yaml", pod("a", "198.18.0.300")));
  EXPECT_GT(store.revision(), r1);
  ASSERT_EQ(store.current_errors().size(), 1u);
  EXPECT_EQ(store.current_errors()[0].field, "status.podIP");
  BuildResult built = store.build_cluster();
  ASSERT_EQ(built.cluster.pods.size(), 1u);
  EXPECT_EQ(built.cluster.pods[0].addresses.at(0).to_string(), "198.18.0.1");

  // Fixed: the new version replaces it and the errors clear.
  store.replace_file(parse_manifest_file("a.yaml", pod("a", "198.18.0.2")));
  EXPECT_TRUE(store.current_errors().empty());
  EXPECT_EQ(store.build_cluster().cluster.pods.at(0).addresses.at(0).to_string(), "198.18.0.2");

  // A new file that fails contributes nothing.
  store.replace_file(parse_manifest_file("b.yaml", "kind: Pod\n"));
  EXPECT_FALSE(store.has_good_version("b.yaml"));
  EXPECT_EQ(store.build_cluster().cluster.pods.size(), 1u);
  EXPECT_FALSE(store.current_errors().empty());

  uint64_t before = store.revision();
  store.remove_file("b.yaml");
  EXPECT_GT(store.revision(), before);
  EXPECT_TRUE(store.current_errors().empty());
  before = store.revision();
  store.remove_file("never-seen.yaml");
  EXPECT_EQ(store.revision(), before);
  store.remove_file("a.yaml");
  EXPECT_TRUE(store.build_cluster().cluster.pods.empty());
  EXPECT_TRUE(store.build_cluster().cluster.namespaces.empty());
}

TEST(Store, DuplicateAcrossFilesNamesBothPlaces) {
  test::TempDir dir;
  dir.write("a.yaml", "# first\n" + pod("web", "198.18.0.1"));
  dir.write("b.yaml", "# second\n\n" + pod("web", "198.18.0.2"));
  dir.write("c.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {a: b}}\n---\n"
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n");
  dir.write("d.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n");
  LoadResult r = load_directory(dir.path());

  auto dup = test::find(r.errors, "/b.yaml", "is already defined at");
  ASSERT_EQ(dup.size(), 1u) << test::dump(r.errors);
  EXPECT_EQ(dup[0].pos.line, 3);
  EXPECT_EQ(dup[0].message, "Pod shop/web is already defined at " + dir.file("a.yaml") +
                                ":2:1; this definition is ignored");
  auto ns_dup = test::find(r.errors, "/d.yaml",
                           "Namespace shop is already defined at " + dir.file("c.yaml") + ":1:1");
  EXPECT_EQ(ns_dup.size(), 1u) << test::dump(r.errors);
  EXPECT_EQ(r.errors.size(), 2u) << test::dump(r.errors);

  // The first in path order wins; the second is dropped.
  ASSERT_EQ(r.cluster.pods.size(), 1u);
  EXPECT_EQ(r.cluster.pods[0].addresses.at(0).to_string(), "198.18.0.1");
  ASSERT_EQ(r.cluster.namespaces.size(), 2u);
  EXPECT_EQ(r.cluster.namespaces[1].labels.at("a"), "b");
  // Both files still count as loaded: each is valid on its own.
  EXPECT_EQ(r.files_loaded, 4u);
}

TEST(Store, AddressClaimedByTwoPodsNamesBoth) {
  test::TempDir dir;
  dir.write("a.yaml", pod("first", "198.18.0.7"));
  dir.write("b.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: second, namespace: shop}\n"
            "status: {podIPs: [{ip: 198.18.0.7}, {ip: 'fd00::7'}]}\n");
  LoadResult r = load_directory(dir.path());
  auto clash = test::find(
      r.errors, "/b.yaml",
      "address 198.18.0.7 is already used by pod shop/first at " + dir.file("a.yaml") + ":1:1");
  ASSERT_EQ(clash.size(), 1u) << test::dump(r.errors);
  EXPECT_EQ(clash[0].pos.line, 1);
  const Pod* second = test::find_object(r.cluster.pods, "shop", "second");
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(second->addresses.size(), 1u);  // keeps its IPv6 address
  EXPECT_EQ(second->addresses[0].to_string(), "fd00::7");
  EXPECT_EQ(test::find_object(r.cluster.pods, "shop", "first")->addresses.size(), 1u);
}

TEST(Store, DuplicateWithinOneFileFailsTheFile) {
  FileLoad load = parse_manifest_file("x.yaml", pod("a") + "---\n" + pod("b") + "---\n" + pod("a"));
  EXPECT_FALSE(load.ok());
  auto errors = test::find(load.diagnostics, "x.yaml",
                           "Pod shop/a is defined twice in this file; first at x.yaml:1:1");
  ASSERT_EQ(errors.size(), 1u) << test::dump(load.diagnostics);
  EXPECT_EQ(errors[0].pos.line, 9);
}

TEST(Store, ClusterIsSorted) {
  ObjectStore store;
  store.replace_file(
      parse_manifest_file("z.yaml", pod("b", "", "a") + "---\n" + pod("a", "", "b")));
  store.replace_file(parse_manifest_file("y.yaml", pod("a", "", "a")));
  BuildResult built = store.build_cluster();
  ASSERT_EQ(built.cluster.pods.size(), 3u);
  EXPECT_EQ(built.cluster.pods[0].namespace_name + "/" + built.cluster.pods[0].name, "a/a");
  EXPECT_EQ(built.cluster.pods[1].namespace_name + "/" + built.cluster.pods[1].name, "a/b");
  EXPECT_EQ(built.cluster.pods[2].namespace_name + "/" + built.cluster.pods[2].name, "b/a");
}

// The merged cluster is patched between builds when it can be. Whatever the sequence of file
// changes -- edits, failed edits, removals, duplicates, contested addresses, namespaces coming
// and going -- it must equal a merge of the same files from scratch.
std::string describe(const BuildResult& built) {
  std::string out;
  for (const Namespace& ns : built.cluster.namespaces) {
    out += "ns " + ns.name + " @" + ns.pos.to_string();
    for (const auto& [k, v] : ns.labels) out += " " + k + "=" + v;
    out += "\n";
  }
  for (const Pod& pod : built.cluster.pods) {
    out += "pod " + pod.namespace_name + "/" + pod.name + " @" + pod.pos.to_string();
    for (const auto& [k, v] : pod.labels) out += " " + k + "=" + v;
    for (const IpAddress& a : pod.addresses) out += " " + a.to_string();
    out += "\n";
  }
  for (const NetworkPolicy& policy : built.cluster.policies) {
    out += "policy " + policy.namespace_name + "/" + policy.name + " @" + policy.pos.to_string() +
           "\n";
  }
  for (const Diagnostic& d : built.errors) out += "error " + d.to_string() + "\n";
  return out;
}

std::string random_file(std::mt19937& rng) {
  auto pick = [&](uint32_t n) { return uint32_t(rng() % n); };
  const char* namespaces[] = {"shop", "bank", "lab"};
  std::string text;
  uint32_t objects = pick(5);
  for (uint32_t i = 0; i < objects; ++i) {
    if (!text.empty()) text += "---\n";
    std::string ns = namespaces[pick(3)];
    std::string name = std::string(1, char('a' + pick(6)));
    switch (pick(8)) {
      case 0:
        text += "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + ", labels: {tier: t" +
                std::to_string(pick(2)) + "}}\n";
        break;
      case 1:
      case 2:
        text += "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: " + name +
                ", namespace: " + ns + "}\nspec: {podSelector: {}}\n";
        break;
      default: {
        text += "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: " + ns +
                ", labels: {v: l" + std::to_string(pick(3)) + "}}\n";
        if (pick(3) != 0)
          text += "status: {podIP: 198.18.0." + std::to_string(1 + pick(12)) + "}\n";
        break;
      }
    }
  }
  return text;
}

TEST(Store, PatchedMergeEqualsAFullMerge) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    ObjectStore store;
    std::map<std::string, std::string> files;  // each path's last good text
    for (int step = 0; step < 60; ++step) {
      std::string path = "f" + std::to_string(rng() % 8) + ".yaml";
      uint32_t op = rng() % 10;
      if (op == 0) {
        store.remove_file(path);
        files.erase(path);
      } else {
        std::string text = op == 1 ? "kind: Pod\nmetadata: {name: [broken\n" : random_file(rng);
        FileLoad load = parse_manifest_file(path, text);
        store.replace_file(load);
        if (load.ok()) files[path] = text;  // a failed version leaves the last good one
      }
      if (step % 3 != 0) continue;  // several changes between two builds, too
      // A new store given each file's last good version: the merge from scratch.
      ObjectStore fresh;
      for (const auto& [p, t] : files) fresh.replace_file(parse_manifest_file(p, t));
      ASSERT_EQ(describe(store.merged()), describe(fresh.merged())) << "step " << step;
    }
  }
}

}  // namespace
}  // namespace podwall
