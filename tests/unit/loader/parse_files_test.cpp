// Files parsed on several threads reach their consumer in path order, exactly as one thread
// would hand them over.

#include <gtest/gtest.h>

#include <stdexcept>

#include "control/loader/parse_files.h"
#include "test_util.h"

namespace podwall {
namespace {

using test::TempDir;

std::string pod_file(int i) {
  // Every third file is broken, so errors and objects interleave.
  std::string name = i % 3 == 2 ? "Bad_Name" : "pod-" + std::to_string(i);
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\n  namespace: n\nstatus:\n  podIP: 198.18.0." + std::to_string(i + 1) + "\n";
}

// Writes `count` pod files into `dir` and returns their paths in path order.
std::vector<std::string> write_pod_files(TempDir& dir, int count) {
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) {
    std::string rel = "f" + std::to_string(100 + i) + ".yaml";
    dir.write(rel, pod_file(i));
    paths.push_back(dir.file(rel));
  }
  return paths;
}

TEST(ParseFiles, ResultsArriveInPathOrder) {
  TempDir dir;
  std::vector<std::string> paths = write_pod_files(dir, 60);
  paths.push_back(dir.file("missing.yaml"));
  std::vector<FileLoad> seen;
  read_and_parse_files(paths, [&](FileLoad& load) { seen.push_back(std::move(load)); });
  ASSERT_EQ(seen.size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    FileLoad alone = read_and_parse_file(paths[i]);
    ASSERT_EQ(seen[i].path, paths[i]);
    ASSERT_EQ(seen[i].pods.size(), alone.pods.size());
    for (size_t p = 0; p < alone.pods.size(); ++p) {
      EXPECT_EQ(seen[i].pods[p].name, alone.pods[p].name);
    }
    EXPECT_EQ(test::dump(seen[i].diagnostics), test::dump(alone.diagnostics));
  }
  EXPECT_TRUE(seen.back().pods.empty());
  EXPECT_FALSE(seen.back().ok());  // cannot open
}

TEST(ParseFiles, ConsumerExceptionStopsTheWorkers) {
  TempDir dir;
  std::vector<std::string> paths = write_pod_files(dir, 40);
  size_t consumed = 0;
  EXPECT_THROW(read_and_parse_files(paths,
                                    [&](FileLoad&) {
                                      if (++consumed == 5) throw std::runtime_error("stop");
                                    }),
               std::runtime_error);
  EXPECT_EQ(consumed, 5u);
}

}  // namespace
}  // namespace podwall
