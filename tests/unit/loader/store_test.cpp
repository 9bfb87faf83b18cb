// The ObjectStore: last good version per file, revisions, and conflicts across files.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <type_traits>
#include <utility>

#include "control/watch/incremental_loader.h"
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

// Up to four objects; `names` and `addresses` set how often files collide, `namespaces` whether
// Namespace objects appear at all.
std::string random_file(std::mt19937& rng, bool namespaces_too = true, uint32_t names = 6,
                        uint32_t addresses = 12) {
  auto pick = [&](uint32_t n) { return uint32_t(rng() % n); };
  const char* namespaces[] = {"shop", "bank", "lab"};
  std::string text;
  uint32_t objects = pick(5);
  for (uint32_t i = 0; i < objects; ++i) {
    if (!text.empty()) text += "---\n";
    std::string ns = namespaces[pick(3)];
    std::string name = std::string(1, char('a' + pick(names)));
    uint32_t kind = namespaces_too ? pick(8) : 1 + pick(7);  // 0: Namespace
    switch (kind) {
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
          text += "status: {podIP: 198.18.0." + std::to_string(1 + pick(addresses)) + "}\n";
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

// ---- The delta of each merge: what changed since the previous merged() call. ----

std::string labelled_pod(const std::string& name, const std::string& labels,
                         const std::string& ns = "shop") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: " + ns +
         ", labels: {" + labels + "}}\n";
}

std::string policy(const std::string& name, const std::string& port,
                   const std::string& ns = "shop") {
  return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: " + name +
         ", namespace: " + ns +
         "}\n"
         "spec:\n  podSelector: {matchLabels: {app: web}}\n"
         "  ingress:\n  - from: [{podSelector: {}}]\n    ports: [{port: " +
         port + "}]\n";
}

std::string namespace_object(const std::string& name, const std::string& labels) {
  return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + ", labels: {" + labels +
         "}}\n";
}

// "everything" or the non-empty lists, e.g. "pods+ shop/a; policies~ shop/p".
std::string describe(const ClusterDelta& delta) {
  if (delta.everything) return "everything";
  std::string out;
  auto list = [&](const char* what, const std::vector<ObjectKey>& keys) {
    if (keys.empty()) return;
    if (!out.empty()) out += "; ";
    out += what;
    for (const ObjectKey& key : keys) out += " " + key.namespace_name + "/" + key.name;
  };
  list("pods+", delta.pods_added);
  list("pods-", delta.pods_removed);
  list("pods~", delta.pods_changed);
  list("policies+", delta.policies_added);
  list("policies-", delta.policies_removed);
  list("policies~", delta.policies_changed);
  return out;
}

void put(ObjectStore& store, const std::string& path, const std::string& text) {
  FileLoad load = parse_manifest_file(path, text);
  ASSERT_TRUE(load.ok()) << test::dump(load.diagnostics);
  store.replace_file(load);
}

// A store already merged once: shop/a and shop/b in a.yaml, policy shop/p in p.yaml.
class StoreDelta : public ::testing::Test {
 protected:
  void SetUp() override {
    put(store, "a.yaml", labelled_pod("a", "app: web") + "---\n" + labelled_pod("b", "app: db"));
    put(store, "p.yaml", policy("p", "80"));
    first = store.merged().delta;
  }
  std::string next() { return describe(store.merged().delta); }

  ObjectStore store;
  ClusterDelta first;
};

TEST_F(StoreDelta, FirstMergeIsEverything) {
  EXPECT_TRUE(first.everything);
  EXPECT_TRUE(first.pods_added.empty());
  EXPECT_TRUE(first.policies_added.empty());
  EXPECT_FALSE(first.empty());
}

TEST_F(StoreDelta, SecondMergeWithoutChangeIsEmpty) {
  const ClusterDelta& delta = store.merged().delta;
  EXPECT_FALSE(delta.everything);
  EXPECT_TRUE(delta.empty());
  // And after a change was reported, the call after it reports nothing again.
  put(store, "c.yaml", labelled_pod("c", "app: web"));
  EXPECT_EQ(next(), "pods+ shop/c");
  EXPECT_EQ(next(), "");
  EXPECT_TRUE(store.merged().delta.empty());
}

TEST_F(StoreDelta, RelabelledPodIsChangedOnly) {
  put(store, "a.yaml", labelled_pod("a", "app: api") + "---\n" + labelled_pod("b", "app: db"));
  EXPECT_EQ(next(), "pods~ shop/a");
}

TEST_F(StoreDelta, PodThatOnlyMovedIsNotListed) {
  put(store, "a.yaml",
      "# moved down\n\n" + labelled_pod("b", "app: db") + "---\n" + labelled_pod("a", "app: web"));
  const BuildResult& built = store.merged();
  EXPECT_EQ(describe(built.delta), "");
  // The positions did change, so the delta really compared content only.
  const Pod* a = test::find_object(built.cluster.pods, "shop", "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->pos.line, 7);
}

TEST_F(StoreDelta, NewPodInExistingNamespaceIsAdded) {
  put(store, "c.yaml", labelled_pod("c", "app: web"));
  EXPECT_EQ(next(), "pods+ shop/c");
}

TEST_F(StoreDelta, RemovedFileTakesItsObjects) {
  put(store, "c.yaml", labelled_pod("c", "app: web") + "---\n" + policy("q", "443"));
  EXPECT_EQ(next(), "pods+ shop/c; policies+ shop/q");
  store.remove_file("c.yaml");
  EXPECT_EQ(next(), "pods- shop/c; policies- shop/q");
  store.remove_file("a.yaml");
  store.remove_file("p.yaml");
  // The last objects of shop go, and with them its implied namespace: everything.
  EXPECT_EQ(next(), "everything");
}

TEST_F(StoreDelta, PolicyWithOtherPortsIsChanged) {
  put(store, "p.yaml", policy("p", "8080"));
  EXPECT_EQ(next(), "policies~ shop/p");
  put(store, "p.yaml", "# same policy, two lines lower\n\n" + policy("p", "8080"));
  EXPECT_EQ(next(), "");
}

TEST_F(StoreDelta, FailedEditChangesNothing) {
  store.replace_file(parse_manifest_file("a.yaml", "kind: Pod\nmetadata: {name: [broken\n"));
  EXPECT_EQ(next(), "");
}

TEST_F(StoreDelta, ChangesBetweenMergesCollapse) {
  // Added then removed: nothing.
  put(store, "c.yaml", labelled_pod("c", "app: web"));
  store.remove_file("c.yaml");
  EXPECT_EQ(next(), "");

  // Added then changed: added. Changed then removed: removed.
  put(store, "c.yaml", labelled_pod("c", "app: web"));
  put(store, "c.yaml", labelled_pod("c", "app: api"));
  put(store, "p.yaml", policy("p", "81"));
  store.remove_file("p.yaml");
  put(store, "q.yaml", policy("q", "80"));  // keeps namespace shop in use either way
  EXPECT_EQ(next(), "pods+ shop/c; policies+ shop/q; policies- shop/p");

  // Removed then added back elsewhere, with other content: changed.
  put(store, "a.yaml", labelled_pod("a", "app: web"));
  put(store, "b.yaml", labelled_pod("b", "app: cache"));
  EXPECT_EQ(next(), "pods~ shop/b");

  // Changed, then changed again: one entry. Changed and changed back: at most changed.
  put(store, "b.yaml", labelled_pod("b", "app: v1"));
  put(store, "b.yaml", labelled_pod("b", "app: v2"));
  put(store, "a.yaml", labelled_pod("a", "app: other"));
  put(store, "a.yaml", labelled_pod("a", "app: web"));
  std::string delta = next();
  EXPECT_TRUE(delta == "pods~ shop/b" || delta == "pods~ shop/a shop/b") << delta;
}

TEST_F(StoreDelta, NamespaceObjectChangeIsEverything) {
  put(store, "ns.yaml", namespace_object("shop", "tier: front"));
  EXPECT_EQ(next(), "everything");
  put(store, "ns.yaml", namespace_object("shop", "tier: back"));
  EXPECT_EQ(next(), "everything");
  // A file that keeps its Namespace object as it was (the usual namespace-per-file layout)
  // changes only its other objects.
  put(store, "ns.yaml", namespace_object("shop", "tier: back") + "---\n" + policy("q", "80"));
  EXPECT_EQ(next(), "policies+ shop/q");
  put(store, "ns.yaml", namespace_object("shop", "tier: back") + "---\n" + policy("q", "81"));
  EXPECT_EQ(next(), "policies~ shop/q");
  // Same labels but the Namespace object is gone: the namespace becomes implied.
  put(store, "ns.yaml", policy("q", "81"));
  EXPECT_EQ(next(), "everything");
  put(store, "ns.yaml", namespace_object("shop", "tier: back") + "---\n" + policy("q", "81"));
  EXPECT_EQ(next(), "everything");
  store.remove_file("ns.yaml");
  EXPECT_EQ(next(), "everything");
  // Without Namespace objects in the change, object by object again.
  put(store, "c.yaml", labelled_pod("c", "app: web"));
  EXPECT_EQ(next(), "pods+ shop/c");
}

TEST_F(StoreDelta, ImpliedNamespaceComingOrGoingIsEverything) {
  put(store, "lab.yaml", labelled_pod("x", "app: web", "lab"));
  const BuildResult& built = store.merged();
  EXPECT_TRUE(built.delta.everything);
  EXPECT_NE(test::find_namespace(built.cluster, "lab"), nullptr);

  // Editing the only object of an implied namespace keeps the namespace: object by object.
  put(store, "lab.yaml", labelled_pod("x", "app: api", "lab"));
  EXPECT_EQ(next(), "pods~ lab/x");

  // The namespace's last object moves to another file: the namespace stays.
  store.remove_file("lab.yaml");
  put(store, "lab2.yaml", labelled_pod("x", "app: api", "lab"));
  EXPECT_EQ(next(), "");

  store.remove_file("lab2.yaml");
  EXPECT_EQ(next(), "everything");

  // A namespace that comes and goes between two merges leaves the list as it was.
  put(store, "lab.yaml", labelled_pod("x", "app: web", "lab"));
  store.remove_file("lab.yaml");
  EXPECT_EQ(next(), "");
}

TEST_F(StoreDelta, ConflictsAndManyChangesMergeEverything) {
  // A duplicate makes the store merge from scratch, and so does the merge after it.
  put(store, "dup.yaml", labelled_pod("a", "app: web"));
  EXPECT_EQ(next(), "everything");
  EXPECT_FALSE(store.merged().errors.empty());
  store.remove_file("dup.yaml");
  EXPECT_EQ(next(), "everything");
  EXPECT_EQ(next(), "");

  // Past the patch limit, one full merge.
  for (int i = 0; i < 100; ++i) {
    put(store, "c.yaml", labelled_pod("c", "n: n" + std::to_string(i)));
  }
  EXPECT_EQ(next(), "everything");
}

TEST(Store, IncrementalLoaderKeepsTheLastDelta) {
  test::TempDir dir;
  dir.write("a.yaml", labelled_pod("a", "app: web"));
  IncrementalLoader loader(dir.path());
  EXPECT_TRUE(loader.last_delta().everything);
  loader.rescan();
  loader.build_cluster();
  EXPECT_TRUE(loader.last_delta().everything);
  dir.write("a.yaml", labelled_pod("a", "app: db"));
  loader.rescan();
  loader.build_cluster();
  EXPECT_EQ(describe(loader.last_delta()), "pods~ shop/a");
  loader.build_cluster();
  EXPECT_EQ(describe(loader.last_delta()), "");
}

// Every field but `pos` counts. Each mutation below must make the objects differ.
TEST(Store, SameContentSeesEveryFieldButPositions) {
  FileLoad load = parse_manifest_file(
      "x.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop, labels: {app: web}}\n"
      "spec: {containers: [{name: c, ports: [{name: http, containerPort: 80}]}]}\n"
      "status: {podIP: 198.18.0.1}\n"
      "---\n"
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
      "metadata: {name: p, namespace: shop}\n"
      "spec:\n"
      "  podSelector:\n"
      "    matchLabels: {app: web}\n"
      "    matchExpressions: [{key: tier, operator: In, values: [a, b]}]\n"
      "  policyTypes: [Ingress, Egress]\n"
      "  ingress:\n"
      "  - from:\n"
      "    - podSelector: {matchLabels: {app: api}}\n"
      "      namespaceSelector: {matchLabels: {team: x}}\n"
      "    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n"
      "    ports: [{protocol: TCP, port: 80, endPort: 90}, {port: http}]\n"
      "  egress:\n"
      "  - to: [{podSelector: {}}]\n"
      "    ports: [{protocol: UDP, port: 53}]\n");
  ASSERT_TRUE(load.ok()) << test::dump(load.diagnostics);
  ASSERT_EQ(load.pods.size(), 1u);
  ASSERT_EQ(load.policies.size(), 1u);
  const Pod& pod = load.pods[0];
  const NetworkPolicy& policy = load.policies[0];
  ASSERT_EQ(pod.ports.size(), 1u);
  ASSERT_EQ(pod.addresses.size(), 1u);
  ASSERT_EQ(policy.ingress.size(), 1u);
  ASSERT_EQ(policy.ingress[0].peers.size(), 2u);
  ASSERT_TRUE(policy.ingress[0].peers[0].namespace_selector.has_value());
  ASSERT_TRUE(policy.ingress[0].peers[1].ip_block.has_value());
  ASSERT_EQ(policy.ingress[0].ports.size(), 2u);
  ASSERT_EQ(policy.egress.size(), 1u);

  {
    Pod moved = pod;
    moved.pos = SourcePos{"y.yaml", 9, 3};
    EXPECT_TRUE(same_content(pod, moved));
  }
  std::vector<std::pair<const char*, void (*)(Pod&)>> pod_edits = {
      {"namespace", [](Pod& p) { p.namespace_name = "bank"; }},
      {"name", [](Pod& p) { p.name = "b"; }},
      {"labels", [](Pod& p) { p.labels["extra"] = "1"; }},
      {"port name", [](Pod& p) { p.ports[0].name = "web"; }},
      {"port number", [](Pod& p) { p.ports[0].port = 81; }},
      {"port protocol", [](Pod& p) { p.ports[0].protocol = Protocol::udp; }},
      {"port count", [](Pod& p) { p.ports.push_back(p.ports[0]); }},
      {"address", [](Pod& p) { p.addresses[0] = *IpAddress::parse("198.18.0.2"); }},
      {"address count", [](Pod& p) { p.addresses.clear(); }},
  };
  for (const auto& [what, edit] : pod_edits) {
    Pod other = pod;
    edit(other);
    EXPECT_FALSE(same_content(pod, other)) << what;
  }

  {
    NetworkPolicy moved = policy;
    moved.pos = SourcePos{"y.yaml", 9, 3};
    moved.ingress[0].pos = moved.pos;
    moved.ingress[0].peers[1].pos = moved.pos;
    moved.egress[0].pos = moved.pos;
    EXPECT_TRUE(same_content(policy, moved));
  }
  using Edit = void (*)(NetworkPolicy&);
  std::vector<std::pair<const char*, Edit>> policy_edits = {
      {"namespace", [](NetworkPolicy& p) { p.namespace_name = "bank"; }},
      {"name", [](NetworkPolicy& p) { p.name = "q"; }},
      {"match labels", [](NetworkPolicy& p) { p.pod_selector.match_labels["app"] = "db"; }},
      {"expression key", [](NetworkPolicy& p) { p.pod_selector.match_expressions[0].key = "k"; }},
      {"expression op",
       [](NetworkPolicy& p) { p.pod_selector.match_expressions[0].op = SelectorOp::not_in; }},
      {"expression values",
       [](NetworkPolicy& p) { p.pod_selector.match_expressions[0].values.pop_back(); }},
      {"isolates ingress", [](NetworkPolicy& p) { p.isolates_ingress = false; }},
      {"isolates egress", [](NetworkPolicy& p) { p.isolates_egress = false; }},
      {"rule count", [](NetworkPolicy& p) { p.ingress.push_back(p.ingress[0]); }},
      {"peer pod selector",
       [](NetworkPolicy& p) { p.ingress[0].peers[0].pod_selector->match_labels.clear(); }},
      {"peer pod selector presence",
       [](NetworkPolicy& p) { p.ingress[0].peers[0].pod_selector.reset(); }},
      {"peer namespace selector",
       [](NetworkPolicy& p) { p.ingress[0].peers[0].namespace_selector->match_labels["t"] = "y"; }},
      {"peer namespace selector presence",
       [](NetworkPolicy& p) { p.ingress[0].peers[0].namespace_selector.reset(); }},
      {"ip block cidr",
       [](NetworkPolicy& p) { p.ingress[0].peers[1].ip_block->cidr.prefix_len = 9; }},
      {"ip block except", [](NetworkPolicy& p) { p.ingress[0].peers[1].ip_block->except.clear(); }},
      {"ip block presence", [](NetworkPolicy& p) { p.ingress[0].peers[1].ip_block.reset(); }},
      {"peer count", [](NetworkPolicy& p) { p.ingress[0].peers.pop_back(); }},
      {"port protocol", [](NetworkPolicy& p) { p.ingress[0].ports[0].protocol = Protocol::sctp; }},
      {"port number", [](NetworkPolicy& p) { p.ingress[0].ports[0].port = 81; }},
      {"end port", [](NetworkPolicy& p) { p.ingress[0].ports[0].end_port.reset(); }},
      {"named port", [](NetworkPolicy& p) { p.ingress[0].ports[1].named_port = "https"; }},
      {"port count", [](NetworkPolicy& p) { p.ingress[0].ports.pop_back(); }},
      {"egress port", [](NetworkPolicy& p) { p.egress[0].ports[0].port = 5353; }},
      {"egress peers", [](NetworkPolicy& p) { p.egress[0].peers.clear(); }},
      {"egress rules", [](NetworkPolicy& p) { p.egress.clear(); }},
  };
  for (const auto& [what, edit] : policy_edits) {
    NetworkPolicy other = policy;
    edit(other);
    EXPECT_FALSE(same_content(policy, other)) << what;
  }
}

// Whatever the file changes, the delta must account for every difference between the clusters
// of two successive merges: applied to the previous cluster, it gives the new one.
TEST(Store, DeltaAccountsForEveryDifference) {
  auto keys = [](const std::vector<ObjectKey>& list) {
    std::set<std::pair<std::string, std::string>> out;
    for (const ObjectKey& key : list) {
      EXPECT_TRUE(out.emplace(key.namespace_name, key.name).second) << "listed twice";
    }
    return out;
  };
  auto check = [&](const auto& before, const auto& after, const std::vector<ObjectKey>& added,
                   const std::vector<ObjectKey>& removed, const std::vector<ObjectKey>& changed) {
    auto a = keys(added), r = keys(removed), c = keys(changed);
    std::map<std::pair<std::string, std::string>,
             const typename std::decay_t<decltype(before)>::value_type*>
        old_objects;
    for (const auto& o : before) old_objects[{o.namespace_name, o.name}] = &o;
    size_t listed = 0;
    for (const auto& o : after) {
      std::pair<std::string, std::string> key{o.namespace_name, o.name};
      auto it = old_objects.find(key);
      if (it == old_objects.end()) {
        EXPECT_TRUE(a.count(key)) << key.first << "/" << key.second << " not reported added";
        listed += a.count(key);
        continue;
      }
      if (!same_content(*it->second, o)) {
        EXPECT_TRUE(c.count(key)) << key.first << "/" << key.second << " not reported changed";
      }
      listed += c.count(key);  // identical content reported changed is allowed
      old_objects.erase(it);
    }
    for (const auto& [key, o] : old_objects) {
      EXPECT_TRUE(r.count(key)) << key.first << "/" << key.second << " not reported removed";
      listed += r.count(key);
    }
    EXPECT_EQ(listed, a.size() + r.size() + c.size()) << "a listed key is in none of its states";
  };

  size_t patched = 0;
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    ObjectStore store;
    Cluster previous = store.merged().cluster;
    for (int step = 0; step < 60; ++step) {
      std::string path = "f" + std::to_string(rng() % 8) + ".yaml";
      if (rng() % 10 == 0) {
        store.remove_file(path);
      } else {
        // Few Namespace objects and few collisions, so that most merges are patched.
        store.replace_file(parse_manifest_file(path, random_file(rng, rng() % 20 == 0, 26, 200)));
      }
      if (step % 3 != 0) continue;
      const BuildResult& built = store.merged();
      if (!built.delta.everything) {
        ++patched;
        SCOPED_TRACE(step);
        ASSERT_EQ(built.cluster.namespaces.size(), previous.namespaces.size());
        for (size_t i = 0; i < previous.namespaces.size(); ++i) {
          EXPECT_EQ(built.cluster.namespaces[i].name, previous.namespaces[i].name);
          EXPECT_EQ(built.cluster.namespaces[i].labels, previous.namespaces[i].labels);
        }
        check(previous.pods, built.cluster.pods, built.delta.pods_added, built.delta.pods_removed,
              built.delta.pods_changed);
        check(previous.policies, built.cluster.policies, built.delta.policies_added,
              built.delta.policies_removed, built.delta.policies_changed);
      }
      previous = built.cluster;
    }
  }
  EXPECT_GT(patched, 150u);  // of 600 merges: the patch path really ran
}

}  // namespace
}  // namespace podwall
