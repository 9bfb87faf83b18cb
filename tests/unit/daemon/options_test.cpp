// The daemon's options: flags after "--", over a YAML config file. Bad input names the file,
// line and column (or the flag), and nothing half-applied comes back.

#include "control/daemon/options.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/loader/test_util.h"

namespace podwall {
namespace {

struct Parsed {
  std::optional<DaemonOptions> options;
  bool help = false;
  std::string error;
};

Parsed parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  Parsed out;
  out.options = parse_daemon_options(int(argv.size()), argv.data(), 0, out.help, out.error);
  return out;
}

class ConfigFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const std::string path = dir_.file("podwall.yaml");
    std::ofstream(path) << text;
    return path;
  }
  test::TempDir dir_;
};

TEST(DaemonOptions, FlagsSetEverySetting) {
  Parsed p = parse({"--manifests", "/m", "--established=keep", "--conntrack-capacity", "4096",
                    "--pass-unknown-ethertypes", "--stats-interval", "5", "--mtu", "1500",
                    "--mac-ageing", "60", "--ctl-socket", "none", "--debounce-ms", "0"});
  ASSERT_TRUE(p.options) << p.error;
  EXPECT_EQ(p.options->manifests, "/m");
  EXPECT_EQ(p.options->dataplane.established, EstablishedPolicy::keep);
  EXPECT_EQ(p.options->dataplane.conntrack_capacity, 4096u);
  EXPECT_TRUE(p.options->dataplane.pass_unknown_ethertypes);
  EXPECT_EQ(p.options->stats_interval, 5u);
  EXPECT_EQ(p.options->dataplane.mtu, 1500u);
  EXPECT_EQ(p.options->dataplane.mac_ageing_seconds, 60u);
  EXPECT_EQ(p.options->ctl_socket, "");
  EXPECT_EQ(p.options->debounce_ms, 0u);
}

TEST(DaemonOptions, FlowLogFlags) {
  EXPECT_EQ(parse({"--manifests", "/m"}).options->flow_log, "");  // no log unless asked
  Parsed p =
      parse({"--manifests", "/m", "--flow-log", "/var/log/flows.jsonl", "--flow-log-rate", "7"});
  ASSERT_TRUE(p.options) << p.error;
  EXPECT_EQ(p.options->flow_log, "/var/log/flows.jsonl");
  EXPECT_EQ(p.options->flow_log_rate, 7u);
  EXPECT_FALSE(p.options->flow_log_allowed);
  EXPECT_TRUE(parse({"--manifests", "/m", "--flow-log", "-", "--flow-log-allowed"})
                  .options->flow_log_allowed);
  // Allowed connections go to the flow log: without one, asking for them is a mistake.
  EXPECT_EQ(parse({"--manifests", "/m", "--flow-log-allowed"}).error,
            "--flow-log-allowed needs --flow-log FILE");
}

TEST(DaemonOptions, BadFlagsSayWhich) {
  EXPECT_EQ(parse({"--manifests", "/m", "--mtu", "70000"}).error,
            "--mtu: mtu must be a number from 576 to 9216, not '70000'");
  EXPECT_EQ(parse({"--manifests", "/m", "--frobnicate"}).error, "unknown option --frobnicate");
  EXPECT_EQ(parse({"--manifests", "/m", "--mtu"}).error, "--mtu needs a value");
  EXPECT_EQ(parse({"--manifests", "/m", "--pass-unknown-ethertypes=yes"}).error,
            "--pass-unknown-ethertypes takes no value");
  EXPECT_EQ(parse({"--mtu", "1500"}).error, "--manifests DIR is required");
  EXPECT_FALSE(parse({"--manifests", "/m", "--established", "sometimes"}).options);
  EXPECT_EQ(parse({"--manifests", "/m", "--flow-log-rate", "0"}).error,
            "--flow-log-rate: flow log rate must be a number from 1 to 1000000, not '0'");
  EXPECT_EQ(parse({"--manifests", "/m", "--flow-log="}).error,
            "--flow-log: flow log needs a file name (or '-' for standard output)");
}

TEST_F(ConfigFile, TheShippedConfigIsValid) {
  const char* root = std::getenv("PODWALL_SOURCE_ROOT");
  ASSERT_NE(root, nullptr);
  Parsed p = parse({"--config", std::string(root) + "/config/podwall.yaml", "--manifests", "/m"});
  ASSERT_TRUE(p.options) << p.error;
  EXPECT_EQ(p.options->dataplane.conntrack_capacity, 1u << 20);
  EXPECT_EQ(p.options->dataplane.established, EstablishedPolicy::recheck);
}

TEST_F(ConfigFile, FlagsWinOverTheFile) {
  const std::string path = write("manifests: /from-file\nmtu: 1500\nmacAgeingSeconds: 30\n");
  Parsed p = parse({"--config", path, "--mtu", "9000"});
  ASSERT_TRUE(p.options) << p.error;
  EXPECT_EQ(p.options->manifests, "/from-file");
  EXPECT_EQ(p.options->dataplane.mtu, 9000u);
  EXPECT_EQ(p.options->dataplane.mac_ageing_seconds, 30u);
}

TEST_F(ConfigFile, AnEmptyFileChangesNothing) {
  const std::string path = write("# nothing set\n");
  Parsed p = parse({"--config=" + path, "--manifests", "/m"});
  ASSERT_TRUE(p.options) << p.error;
  EXPECT_EQ(p.options->dataplane.mtu, DataplaneConfig{}.mtu);
}

TEST_F(ConfigFile, ErrorsNameFileLineAndColumn) {
  std::string path = write("mtu: 1500\n  \nconntrackCapacity: lots\n");
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error,
            path + ":3:1: conntrackCapacity: conntrack capacity must be a number from 1 to " +
                "268435456, not 'lots'");

  path = write("mtu: 1500\ncolour: red\n");
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error,
            path + ":2:1: unknown setting 'colour'");

  path = write("mtu: [1500]\n");
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error,
            path + ":1:1: mtu: must be a single value");

  path = write("mtu: 1500\nestablished: [keep\n");
  std::string error = parse({"--config", path, "--manifests", "/m"}).error;
  EXPECT_EQ(error.rfind(path + ":3:1: ", 0), 0u) << error;

  path = write("- mtu\n");
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error,
            path + ":1:1: the config must be a mapping of settings");
}

// yaml-cpp reads a stray ',' as an empty document: the file would have set nothing, silently.
TEST_F(ConfigFile, AStrayCommaIsAnError) {
  std::string path = write(",\n");
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error, path + ":1:1: unexpected ','");
  path = write("mtu: 1500\n,\n");
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error.rfind(path + ":2:", 0), 0u);
}

// The last one won, and a setting meant for one place was quietly overridden by another.
TEST_F(ConfigFile, ASettingSetTwiceIsAnError) {
  const std::string path = write("mtu: 1500\nestablished: keep\nmtu: 9000\n");
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error,
            path + ":3:1: mtu: given twice (first on line 1)");
}

// Only the first document was read: settings after a '---' were dropped without a word.
TEST_F(ConfigFile, ASecondDocumentIsAnError) {
  const std::string path = write("mtu: 1500\n---\nconntrackCapacity: 1024\n");
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error,
            path + ":3:1: a second YAML document: the config is one mapping of settings");
}

TEST_F(ConfigFile, AMissingFileIsNamed) {
  const std::string path = dir_.file("absent.yaml");
  const std::string error = parse({"--config", path, "--manifests", "/m"}).error;
  EXPECT_EQ(error, path + ": cannot read the config file (No such file or directory)");
}

// A directory opens like a file and reads as an empty one: it would start the daemon on the
// defaults without a word.
TEST_F(ConfigFile, ADirectoryIsRefused) {
  const std::string path = dir_.path();
  EXPECT_EQ(parse({"--config", path, "--manifests", "/m"}).error,
            path + ": is a directory, not a config file");
}

}  // namespace
}  // namespace podwall
