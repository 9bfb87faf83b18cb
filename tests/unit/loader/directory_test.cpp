// Which files a manifest directory contributes: hidden and temporary files, symlinks (ConfigMap
// volumes, escapes, loops), unreadable entries, and many files.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "test_util.h"

namespace podwall {
namespace {

using test::TempDir;

std::string pod(const std::string& name, const std::string& ip = "") {
  std::string out = "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: t}\n";
  if (!ip.empty()) out += "status: {podIP: " + ip + "}\n";
  return out;
}

TEST(Directory, HiddenTemporaryAndOtherFilesAreIgnored) {
  TempDir dir;
  dir.write("a.yaml", pod("a"));
  dir.write("b.YML", pod("b"));
  dir.write("sub/c.json", R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c"}})");
  const char* ignored[] = {".hidden.yaml", "a.yaml~",   ".a.yaml.swp", "a.yaml.swp",
                           "a.yaml.swx",   "#a.yaml#",  ".#a.yaml",    "a.yaml.tmp",
                           "4913",         "notes.txt", "Makefile",    ".git/config.yaml"};
  for (const char* name : ignored) dir.write(name, "broken: [yaml\n");

  DirectoryListing listing = list_manifest_files(dir.path());
  EXPECT_TRUE(listing.diagnostics.empty()) << test::dump(listing.diagnostics);
  EXPECT_TRUE(listing.complete);
  EXPECT_EQ(listing.files, (std::vector<std::string>{"a.yaml", "b.YML", "sub/c.json"}));

  LoadResult r = load_directory(dir.path());
  EXPECT_TRUE(r.errors.empty()) << test::dump(r.errors);
  EXPECT_EQ(r.cluster.pods.size(), 3u);
}

TEST(Directory, MissingDirectoryIsAnError) {
  DirectoryListing listing = list_manifest_files("/nonexistent/podwall-manifests");
  EXPECT_FALSE(listing.complete);
  ASSERT_EQ(listing.diagnostics.size(), 1u);
  EXPECT_NE(listing.diagnostics[0].message.find("cannot open manifest directory"),
            std::string::npos);
}

TEST(Directory, ConfigMapVolumeLoadsEachObjectOnce) {
  TempDir dir;
  // The layout kubelet's atomic writer produces.
  dir.write("..2024_05_01_10_00_00.123456789/web.yaml", pod("web", "198.18.0.1"));
  dir.write("..2024_05_01_10_00_00.123456789/policies/deny.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: deny, namespace: t}\nspec: {podSelector: {}}\n");
  dir.symlink("..2024_05_01_10_00_00.123456789", "..data");
  dir.symlink("..data/web.yaml", "web.yaml");
  dir.symlink("..data/policies", "policies");

  DirectoryListing listing = list_manifest_files(dir.path());
  EXPECT_TRUE(listing.diagnostics.empty()) << test::dump(listing.diagnostics);
  EXPECT_EQ(listing.files, (std::vector<std::string>{"policies/deny.yaml", "web.yaml"}));

  LoadResult r = load_directory(dir.path());
  EXPECT_TRUE(r.errors.empty()) << test::dump(r.errors);
  EXPECT_EQ(r.cluster.pods.size(), 1u);
  EXPECT_EQ(r.cluster.policies.size(), 1u);
  EXPECT_TRUE(test::ends_with(r.cluster.pods.at(0).pos.file, "/web.yaml"));
}

TEST(Directory, SymlinkOutsideTheDirectoryIsRejected) {
  TempDir outside;
  outside.write("secret.yaml", pod("outsider"));
  outside.write("dir/more.yaml", pod("outsider2"));
  TempDir dir;
  dir.write("a.yaml", pod("a"));
  dir.symlink(outside.file("secret.yaml"), "escape.yaml");
  dir.symlink("../" + std::filesystem::path(outside.path()).filename().string() + "/dir",
              "escape-dir");

  LoadResult r = load_directory(dir.path());
  auto escaped =
      test::find(r.errors, "/escape.yaml", "symlink points outside the manifest directory");
  EXPECT_EQ(escaped.size(), 1u) << test::dump(r.errors);
  EXPECT_EQ(test::find(r.errors, "/escape-dir", "points outside").size(), 1u)
      << test::dump(r.errors);
  ASSERT_EQ(r.cluster.pods.size(), 1u);
  EXPECT_EQ(r.cluster.pods[0].name, "a");
}

TEST(Directory, SymlinkLoopsEndWithoutDuplicates) {
  TempDir dir;
  dir.write("sub/a.yaml", pod("a"));
  dir.symlink("..", "sub/up");            // directory cycle
  dir.symlink("self.yaml", "self.yaml");  // link to itself
  dir.symlink("ping.yaml", "pong.yaml");
  dir.symlink("pong.yaml", "ping.yaml");

  LoadResult r = load_directory(dir.path());
  EXPECT_EQ(test::find(r.errors, "/self.yaml", "symlink loop").size(), 1u) << test::dump(r.errors);
  EXPECT_EQ(test::find(r.errors, "/ping.yaml", "symlink loop").size(), 1u);
  EXPECT_EQ(test::find(r.errors, "/pong.yaml", "symlink loop").size(), 1u);
  EXPECT_EQ(test::find(r.notes, "sub/up", "already listed").size(), 1u) << test::dump(r.notes);
  EXPECT_EQ(r.cluster.pods.size(), 1u);
  EXPECT_EQ(r.errors.size(), 3u) << test::dump(r.errors);  // no duplicate-object errors
}

TEST(Directory, TwoLinksToOneFileLoadItOnce) {
  TempDir dir;
  dir.write("real.yaml", pod("a"));
  dir.symlink("real.yaml", "alias.yaml");
  LoadResult r = load_directory(dir.path());
  EXPECT_TRUE(r.errors.empty()) << test::dump(r.errors);
  EXPECT_EQ(test::find(r.notes, "/real.yaml", "same file as").size(), 1u) << test::dump(r.notes);
  EXPECT_EQ(r.cluster.pods.size(), 1u);
}

TEST(Directory, BrokenSymlinkIsAnError) {
  TempDir dir;
  dir.symlink("missing.yaml", "gone.yaml");
  LoadResult r = load_directory(dir.path());
  EXPECT_EQ(test::find(r.errors, "/gone.yaml", "broken symlink").size(), 1u)
      << test::dump(r.errors);
}

TEST(Directory, UnreadableFileIsNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  TempDir dir;
  dir.write("ok.yaml", pod("ok"));
  dir.write("locked.yaml", pod("locked"));
  ASSERT_EQ(::chmod(dir.file("locked.yaml").c_str(), 0), 0);
  LoadResult r = load_directory(dir.path());
  auto errors = test::find(r.errors, "/locked.yaml", "cannot open");
  ASSERT_EQ(errors.size(), 1u) << test::dump(r.errors);
  EXPECT_EQ(r.cluster.pods.size(), 1u);
}

TEST(Directory, UnreadableSubdirectoryMakesTheListingIncomplete) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads directories whatever their mode";
  TempDir dir;
  dir.write("sub/a.yaml", pod("a"));
  ASSERT_EQ(::chmod(dir.file("sub").c_str(), 0), 0);
  DirectoryListing listing = list_manifest_files(dir.path());
  EXPECT_FALSE(listing.complete);
  EXPECT_EQ(test::find(listing.diagnostics, "/sub", "cannot read directory").size(), 1u)
      << test::dump(listing.diagnostics);
}

// Works as root too: a FIFO cannot be read as a manifest, and must not block the loader.
TEST(Directory, NonRegularFileIsNamedAndDoesNotBlock) {
  TempDir dir;
  dir.write("ok.yaml", pod("ok"));
  ASSERT_EQ(::mkfifo(dir.file("pipe.yaml").c_str(), 0644), 0);
  LoadResult r = load_directory(dir.path());
  EXPECT_EQ(test::find(r.errors, "/pipe.yaml", "not a regular file").size(), 1u)
      << test::dump(r.errors);
  EXPECT_EQ(r.cluster.pods.size(), 1u);
  // Reading it directly is refused the same way.
  FileBytes bytes = read_manifest_bytes(dir.file("pipe.yaml"), "pipe.yaml");
  ASSERT_TRUE(bytes.error);
  EXPECT_EQ(bytes.error->to_string(), "pipe.yaml: not a regular file");
}

TEST(Directory, ThousandsOfFilesLoadQuickly) {
  TempDir dir;
  const int count = 3000;
  for (int i = 0; i < count; ++i) {
    std::string name = "pod-" + std::to_string(i);
    dir.write("d" + std::to_string(i % 30) + "/" + name + ".yaml",
              pod(name, "198.18." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)));
  }
  auto start = std::chrono::steady_clock::now();
  LoadResult r = load_directory(dir.path());
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.errors.empty()) << test::dump(r.errors);
  EXPECT_EQ(r.files_loaded, size_t(count));
  EXPECT_EQ(r.cluster.pods.size(), size_t(count));
  EXPECT_LT(seconds, 30.0);  // generous for sanitizer builds; ~0.5 s optimised
  // Sorted by (namespace, name), whatever the directory order.
  for (size_t i = 1; i < r.cluster.pods.size(); ++i) {
    EXPECT_LT(r.cluster.pods[i - 1].name, r.cluster.pods[i].name);
  }
}

TEST(Directory, IgnoredNames) {
  for (const char* name : {".x.yaml", "x.yaml~", "x.swp", "x.swx", "#x.yaml#", ".#x.yaml", "x.tmp",
                           "4913", "..data"}) {
    EXPECT_TRUE(is_ignored_name(name)) << name;
  }
  for (const char* name : {"x.yaml", "4913.yaml", "#x.yaml", "x~.yaml"}) {
    EXPECT_FALSE(is_ignored_name(name)) << name;
  }
  EXPECT_TRUE(has_manifest_extension("a.yml"));
  EXPECT_TRUE(has_manifest_extension("a.JSON"));
  EXPECT_FALSE(has_manifest_extension("a.yaml.bak"));
  EXPECT_FALSE(has_manifest_extension("yaml"));
}

}  // namespace
}  // namespace podwall

namespace podwall {
namespace {

TEST(Directory, TooManyFilesIsAnIncompleteListing) {
  test::TempDir dir;
  for (int i = 0; i < 10; ++i) dir.write("f" + std::to_string(i) + ".yaml", "");
  DirectoryListing listing = list_manifest_files(dir.path(), ListingLimits{.max_files = 5});
  EXPECT_FALSE(listing.complete);
  EXPECT_EQ(listing.files.size(), 5u);
  ASSERT_EQ(listing.diagnostics.size(), 1u);
  EXPECT_EQ(listing.diagnostics[0].to_string(),
            dir.path() + ": more than 5 manifest files; the limit is 5, the rest are not loaded");
  EXPECT_TRUE(list_manifest_files(dir.path()).complete);  // the real limit is 100,000
}

TEST(Directory, TooDeepIsAnIncompleteListing) {
  test::TempDir dir;
  dir.write("a/b/c/d/x.yaml", "");
  DirectoryListing listing = list_manifest_files(dir.path(), ListingLimits{.max_depth = 2});
  EXPECT_FALSE(listing.complete);
  EXPECT_TRUE(listing.files.empty());
  EXPECT_EQ(test::find(listing.diagnostics, "/a/b/c", "directories nested deeper than 2").size(),
            1u)
      << test::dump(listing.diagnostics);
}

}  // namespace
}  // namespace podwall
