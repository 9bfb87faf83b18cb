// The hot reloader against a real directory: every kind of change a cluster's tooling makes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "watch_fixture.h"

namespace podwall::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(WatchTest, CreateWriteRenameDelete) {
  write("a.yaml", pod_yaml("a", "198.18.0.1"));
  HotReloader& r = start();
  EXPECT_THAT(pod_names(), ElementsAre("a"));
  EXPECT_EQ(sink_.generation(), 1u);

  write("b.yaml", pod_yaml("b", "198.18.0.2"));  // created and written in place
  ASSERT_TRUE(pump_until_generation(2));
  EXPECT_THAT(pod_names(), ElementsAre("a", "b"));

  write("b.yaml", pod_yaml("b2", "198.18.0.2"));  // rewritten: its old object goes
  ASSERT_TRUE(pump_until_generation(3));
  EXPECT_THAT(pod_names(), ElementsAre("a", "b2"));

  write_by_rename("c.yaml", pod_yaml("c", "198.18.0.3"));  // renamed in
  ASSERT_TRUE(pump_until_generation(4));
  EXPECT_THAT(pod_names(), ElementsAre("a", "b2", "c"));

  fs::rename(path("c.yaml"), dir_ + "/../" + fs::path(dir_).filename().string() + "-out.yaml");
  ASSERT_TRUE(pump_until_generation(5));  // renamed out: exactly its objects leave
  EXPECT_THAT(pod_names(), ElementsAre("a", "b2"));
  fs::remove(dir_ + "-out.yaml");

  fs::remove(path("a.yaml"));  // deleted
  ASSERT_TRUE(pump_until_generation(6));
  EXPECT_THAT(pod_names(), ElementsAre("b2"));
  EXPECT_EQ(r.status().reloads, 5u);
  EXPECT_EQ(r.status().samples, 5u);
}

TEST_F(WatchTest, IgnoresTemporariesAndOtherExtensions) {
  start();
  write("notes.txt", "hello");
  write("a.yaml~", pod_yaml("x", "198.18.0.9"));
  write(".hidden.yaml", pod_yaml("y", "198.18.0.8"));
  pump_for(std::chrono::milliseconds(150));
  EXPECT_EQ(sink_.generation(), 1u);
  EXPECT_THAT(pod_names(), IsEmpty());
}

TEST_F(WatchTest, SubDirectories) {
  start();
  fs::create_directories(path("team-a"));
  write("team-a/pod.yaml", pod_yaml("a", "198.18.0.1"));
  ASSERT_TRUE(pump([&] { return pod_names().size() == 1; }, std::chrono::seconds(5)));
  // A directory nested below a new one is watched too.
  fs::create_directories(path("team-a/deep/er"));
  pump_for(std::chrono::milliseconds(60));
  write("team-a/deep/er/pod.yaml", pod_yaml("b", "198.18.0.2"));
  ASSERT_TRUE(pump([&] { return pod_names().size() == 2; }, std::chrono::seconds(5)));

  // A directory moved in whole, with its files already inside.
  std::string outside = dir_ + "-staged";
  fs::create_directories(outside);
  std::ofstream(outside + "/pod.yaml") << pod_yaml("c", "198.18.0.3");
  fs::rename(outside, path("team-c"));
  ASSERT_TRUE(pump([&] { return pod_names().size() == 3; }, std::chrono::seconds(5)));

  // Moved out whole: its objects leave, and later changes under its new name are not ours.
  fs::rename(path("team-a"), outside);
  ASSERT_TRUE(pump([&] { return pod_names().size() == 1; }, std::chrono::seconds(5)));
  EXPECT_THAT(pod_names(), ElementsAre("c"));
  uint64_t before = sink_.generation();
  std::ofstream(outside + "/other.yaml") << pod_yaml("z", "198.18.0.26");
  pump_for(std::chrono::milliseconds(100));
  EXPECT_EQ(sink_.generation(), before);
  fs::remove_all(outside);
}

// How kubelet updates a ConfigMap volume: the data lives in a timestamped hidden directory,
// `..data` points at it, the visible names are symlinks through `..data`; an update writes a new
// directory, points `..data_tmp` at it and renames that over `..data`, then removes the old one.
TEST_F(WatchTest, ConfigMapAtomicSwap) {
  fs::create_directories(path("..2024_01"));
  std::ofstream(path("..2024_01/pods.yaml")) << pod_yaml("old", "198.18.0.1");
  fs::create_directory_symlink("..2024_01", path("..data"));
  fs::create_symlink("..data/pods.yaml", path("pods.yaml"));
  start();
  EXPECT_THAT(pod_names(), ElementsAre("old"));

  fs::create_directories(path("..2024_02"));
  std::ofstream(path("..2024_02/pods.yaml")) << pod_yaml("new", "198.18.0.2");
  std::ofstream(path("..2024_02/policy.yaml")) << policy_yaml("deny");
  fs::create_directory_symlink("..2024_02", path("..data_tmp"));
  fs::rename(path("..data_tmp"), path("..data"));
  fs::create_symlink("..data/policy.yaml", path("policy.yaml"));
  fs::remove_all(path("..2024_01"));
  ASSERT_TRUE(pump(
      [&] {
        return cluster().policies.size() == 1 && pod_names().size() == 1 && pod_names()[0] == "new";
      },
      std::chrono::seconds(5)));
}

TEST_F(WatchTest, DebounceCoalescesABurst) {
  settings_.debounce = std::chrono::milliseconds(50);
  start();
  for (int i = 0; i < 20; ++i)
    write("p" + std::to_string(i) + ".yaml",
          pod_yaml("p" + std::to_string(i), "198.18.1." + std::to_string(i + 1)));
  ASSERT_TRUE(pump_until_generation(2));
  pump_for(std::chrono::milliseconds(150));
  EXPECT_EQ(sink_.generation(), 2u) << log_;
  EXPECT_EQ(pod_names().size(), 20u);
}

TEST_F(WatchTest, SameBytesAgainDoNotReload) {
  write("a.yaml", pod_yaml("a", "198.18.0.1"));
  start();
  write("a.yaml", pod_yaml("a", "198.18.0.1"));
  pump_for(std::chrono::milliseconds(120));
  EXPECT_EQ(sink_.generation(), 1u);
}

TEST_F(WatchTest, BadFileKeepsLastGoodObjectsThenFixApplies) {
  write("a.yaml", pod_yaml("a", "198.18.0.1"));
  write("pol.yaml", policy_yaml("deny"));
  HotReloader& r = start();

  write("a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n");  // syntax error
  ASSERT_TRUE(pump_until_generation(2));
  EXPECT_THAT(pod_names(), ElementsAre("a"));
  ASSERT_EQ(r.status().errors.size(), 1u);
  EXPECT_NE(r.status().errors[0].find(path("a.yaml") + ":"), std::string::npos);

  write("pol.yaml", policy_yaml("deny") + "  ingress: [{ports: [{port: 99999}]}]\n");  // semantic
  ASSERT_TRUE(pump_until_generation(3));
  EXPECT_EQ(cluster().policies.size(), 1u);
  EXPECT_TRUE(cluster().policies[0].ingress.empty());  // the last good version
  auto errors = r.status().errors;
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[1].find("pol.yaml:"), std::string::npos) << errors[1];
  EXPECT_NE(errors[1].find("port"), std::string::npos) << errors[1];

  write("a.yaml", pod_yaml("a-fixed", "198.18.0.1"));
  write("pol.yaml", policy_yaml("deny2"));
  ASSERT_TRUE(pump([&] { return r.status().errors.empty(); }, std::chrono::seconds(5)));
  EXPECT_THAT(pod_names(), ElementsAre("a-fixed"));
  EXPECT_EQ(cluster().policies.at(0).name, "deny2");

  // A file that never loaded contributes nothing, and deleting it clears its error.
  write("new.yaml", "kind: [");
  ASSERT_TRUE(pump([&] { return r.status().errors.size() == 1; }, std::chrono::seconds(5)));
  fs::remove(path("new.yaml"));
  ASSERT_TRUE(pump([&] { return r.status().errors.empty(); }, std::chrono::seconds(5)));
}

// --loader-notes: what the loader skipped is logged once, at start and when it appears later;
// without the flag only errors are.
TEST_F(WatchTest, NotesAreLoggedOnlyWhenAsked) {
  const std::string config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
  write("a.yaml", pod_yaml("a", "198.18.0.1") + "---\n" + config_map);
  settings_.log_notes = true;
  start();
  EXPECT_NE(log_.find("note: kind: skipped: kind ConfigMap"), std::string::npos) << log_;
  EXPECT_NE(log_.find(path("a.yaml") + ":"), std::string::npos) << log_;
  size_t logged = log_.size();

  write("b.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
  ASSERT_TRUE(pump_until_generation(2));
  EXPECT_NE(log_.find(path("b.yaml") + ":2:7: note: kind: skipped: kind Secret", logged),
            std::string::npos)
      << log_;
  EXPECT_EQ(log_.find("ConfigMap", logged), std::string::npos) << "logged twice: " << log_;
}

TEST_F(WatchTest, NotesAreNotLoggedByDefault) {
  write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
  start();
  EXPECT_EQ(log_.find("ConfigMap"), std::string::npos) << log_;
}

TEST_F(WatchTest, ForcedReloadPublishesAndPicksUpEverything) {
  write("a.yaml", pod_yaml("a", "198.18.0.1"));
  HotReloader& r = start();
  EXPECT_EQ(r.force_reload(), 2u);
  EXPECT_THAT(pod_names(), ElementsAre("a"));
}

}  // namespace
}  // namespace podwall::testing
