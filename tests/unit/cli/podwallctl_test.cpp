// podwallctl check / eval / matrix / describe as a user runs them: the built binary, its
// standard streams and its exit status, on the lab scenarios in config/lab and on small
// directories written here.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string last_word(const std::string& line) {
  return line.substr(line.find_last_of(' ') + 1);
}

class Podwallctl : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* binary = std::getenv("PODWALLCTL");
    const char* root = std::getenv("PODWALL_SOURCE_ROOT");
    ASSERT_NE(binary, nullptr) << "PODWALLCTL names the binary under test";
    ASSERT_NE(root, nullptr);
    binary_ = binary;
    lab_ = fs::path(root) / "config/lab";
    char pattern[] = "/tmp/podwallctl-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    scratch_ = pattern;
  }
  void TearDown() override { fs::remove_all(scratch_); }

  // Runs podwallctl with `args` (no shell quoting needed: paths here have no spaces) and
  // `input` on its standard input.
  Result run(const std::string& args, const std::string& input = "") {
    write_file(scratch_ / "stdin", input);
    const std::string command = binary_ + " " + args + " <" + (scratch_ / "stdin").string() + " >" +
                                (scratch_ / "stdout").string() + " 2>" +
                                (scratch_ / "stderr").string();
    Result r;
    int raw = std::system(command.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = read_file(scratch_ / "stdout");
    r.err = read_file(scratch_ / "stderr");
    return r;
  }

  // A manifest directory under the scratch directory, one file per (name, text).
  fs::path manifests(const std::vector<std::pair<std::string, std::string>>& files) {
    fs::path dir = scratch_ / "manifests";
    fs::create_directories(dir);
    for (const auto& [name, text] : files) write_file(dir / name, text);
    return dir;
  }

  std::vector<fs::path> scenarios() const {
    std::vector<fs::path> dirs;
    for (const auto& entry : fs::directory_iterator(lab_)) {
      if (fs::exists(entry.path() / "flows.tsv")) dirs.push_back(entry.path());
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
  }

  std::string binary_;
  fs::path lab_;
  fs::path scratch_;
};

// flows.tsv: SRC DST PROTO PORT EXPECTED [# comment], tab-separated.
struct ExpectedFlow {
  std::string line;  // the flow line for eval
  std::string verdict;
};

std::vector<ExpectedFlow> expected_flows(const fs::path& scenario) {
  std::vector<ExpectedFlow> flows;
  for (const std::string& row : lines_of(read_file(scenario / "flows.tsv"))) {
    if (row.empty() || row[0] == '#') continue;
    std::istringstream fields(row);
    std::string src, dst, proto, port, verdict;
    fields >> src >> dst >> proto >> port >> verdict;
    flows.push_back({src + " " + dst + " " + proto + " " + port, verdict});
  }
  return flows;
}

const char* const kNamespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";

TEST_F(Podwallctl, CheckAcceptsEveryLabScenario) {
  ASSERT_GE(scenarios().size(), 10u);
  for (const fs::path& dir : scenarios()) {
    Result r = run("check --manifests " + dir.string());
    EXPECT_EQ(r.status, 0) << dir << "\n" << r.err;
    EXPECT_NE(r.out.find(dir.string() + ": ok: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" policies, "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" table bytes"), std::string::npos) << r.out;
  }
}

TEST_F(Podwallctl, CheckNamesFileLineColumnAndFieldAndExitsOne) {
  fs::path dir = manifests({{"ns.yaml", kNamespace},
                            {"policy.yaml",
                             "apiVersion: networking.k8s.io/v1\n"
                             "kind: NetworkPolicy\n"
                             "metadata:\n"
                             "  name: web\n"
                             "  namespace: shop\n"
                             "spec:\n"
                             "  podSelector: {}\n"
                             "  ingress:\n"
                             "    - ports:\n"
                             "        - port: 70000\n"}});
  Result r = run("check --manifests " + dir.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find((dir / "policy.yaml").string() + ":10:17: spec.ingress[0].ports[0].port: "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dir.string() + ": 1 error"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(Podwallctl, EvalGivesEachLabFlowItsExpectedVerdict) {
  for (const fs::path& dir : scenarios()) {
    std::vector<ExpectedFlow> flows = expected_flows(dir);
    ASSERT_FALSE(flows.empty()) << dir;
    std::string input;
    for (const ExpectedFlow& f : flows) input += f.line + "\n";
    Result r = run("eval --manifests " + dir.string(), input);
    EXPECT_EQ(r.status, 0) << dir << "\n" << r.err;
    std::vector<std::string> out = lines_of(r.out);
    ASSERT_EQ(out.size(), flows.size()) << dir;
    for (size_t i = 0; i < flows.size(); ++i) {
      // The contract: the input line, then the verdict as the last word.
      EXPECT_EQ(out[i], flows[i].line + " " + flows[i].verdict) << dir;
    }
  }
}

TEST_F(Podwallctl, EvalExplainPutsTheReasonBeforeTheVerdict) {
  fs::path dir = lab_ / "07-ingress-tcp-8080-only";
  const std::string input =
      "apps/client payments/api tcp 8080\napps/client payments/api tcp 8081\n";
  Result plain = run("eval --manifests " + dir.string(), input);
  Result explained = run("eval --explain --manifests " + dir.string(), input);
  ASSERT_EQ(explained.status, 0) << explained.err;
  std::vector<std::string> a = lines_of(plain.out), b = lines_of(explained.out);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(last_word(a[i]), last_word(b[i]));
  EXPECT_EQ(b[0].rfind("apps/client payments/api tcp 8080  ", 0), 0u) << b[0];
  EXPECT_NE(b[0].find("payments/api-tcp-8080-only"), std::string::npos) << b[0];
  EXPECT_NE(b[1].find("=> deny"), std::string::npos) << b[1];
}

TEST_F(Podwallctl, ExplainQuotesTheRuleThatAllowsAFlow) {
  Result r = run("explain --manifests " + (lab_ / "07-ingress-tcp-8080-only").string() +
                 " apps/client payments/api tcp 8080");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "flow      198.18.7.30 198.18.7.10 tcp 8080\n"
            "          apps/client (198.18.7.30) -> payments/api (198.18.7.10)\n"
            "egress    apps/client (198.18.7.30) is not isolated for egress: allowed\n"
            "ingress   payments/api (198.18.7.10) is isolated for ingress by\n"
            "            payments/api-tcp-8080-only\n"
            "          allowed by payments/api-tcp-8080-only, ingress rule 0: "
            "from any source on 8080/TCP\n"
            "verdict   allow\n");
}

TEST_F(Podwallctl, ExplainSaysWhenNoRuleAllowsAFlow) {
  Result r = run("explain --manifests " + (lab_ / "07-ingress-tcp-8080-only").string() +
                 " apps/client payments/api tcp 8081");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("          no rule of these policies allows the flow\nverdict   deny\n"),
            std::string::npos)
      << r.out;
}

// explain and eval answer from the same tables: the same verdict for every lab flow.
TEST_F(Podwallctl, ExplainGivesEachLabFlowItsExpectedVerdict) {
  for (const fs::path& dir : scenarios()) {
    for (const ExpectedFlow& f : expected_flows(dir)) {
      Result r = run("explain --manifests " + dir.string() + " " + f.line);
      EXPECT_EQ(r.status, 0) << dir << ": " << f.line << "\n" << r.err;
      std::vector<std::string> out = lines_of(r.out);
      ASSERT_FALSE(out.empty()) << dir << ": " << f.line;
      EXPECT_EQ(out.back(), "verdict   " + f.verdict) << dir << ": " << f.line;
    }
  }
}

TEST_F(Podwallctl, ExplainRefusesAFlowItCannotRead) {
  const std::string dir = (lab_ / "07-ingress-tcp-8080-only").string();
  Result unknown_pod = run("explain --manifests " + dir + " apps/nobody payments/api tcp 80");
  EXPECT_EQ(unknown_pod.status, 1);
  EXPECT_EQ(unknown_pod.out, "");
  EXPECT_NE(unknown_pod.err.find("podwallctl explain: "), std::string::npos) << unknown_pod.err;
  EXPECT_NE(unknown_pod.err.find("apps/nobody"), std::string::npos) << unknown_pod.err;
  Result too_few = run("explain --manifests " + dir + " apps/client payments/api");
  EXPECT_EQ(too_few.status, 2);
  EXPECT_NE(too_few.err.find("SRC DST PROTO [DPORT]"), std::string::npos) << too_few.err;
}

TEST_F(Podwallctl, EvalReportsBadLinesOnStderrAndExitsNonZero) {
  fs::path dir = lab_ / "07-ingress-tcp-8080-only";
  Result r = run("eval --manifests " + dir.string(),
                 "# comment\napps/client payments/api tcp 8080\n"
                 "apps/client payments/api gre 1\n\napps/client payments/api tcp 8081\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{"apps/client payments/api tcp 8080 allow",
                                                       "apps/client payments/api tcp 8081 deny"}));
  EXPECT_NE(r.err.find("stdin:3: PROTO: 'gre' is not one of tcp, udp, sctp, icmp"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("stdin: 1 malformed line"), std::string::npos) << r.err;
}

// A missing directory is an empty cluster: every verdict would be "allow".
TEST_F(Podwallctl, EvalMatrixAndDescribeRefuseADirectoryThatCannotBeOpened) {
  const std::string missing = (scratch_ / "no-such-dir").string();
  for (const char* command : {"eval", "matrix", "describe"}) {
    Result r =
        run(std::string(command) + " --manifests " + missing, "198.18.0.1 198.18.0.2 tcp 80\n");
    EXPECT_EQ(r.status, 1) << command;
    EXPECT_EQ(r.out, "") << command;
    EXPECT_NE(r.err.find(missing + ": cannot open manifest directory: No such file or directory"),
              std::string::npos)
        << command << ": " << r.err;
  }
  Result check = run("check --manifests " + missing);
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find(missing + ": 1 error"), std::string::npos) << check.err;
}

TEST_F(Podwallctl, MatrixDrawsTheGridOfOnePort) {
  Result r = run("matrix --manifests " + (lab_ / "07-ingress-tcp-8080-only").string() +
                 " --port 8081/tcp");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "8081/TCP  (rows: from, columns: to; '.' allowed, 'X' denied)\n"
            "                           1  2  3  4\n"
            " 1 apps/client             -  .  X  .\n"
            " 2 monitoring/prometheus   .  -  X  .\n"
            " 3 payments/api            .  .  -  .\n"
            " 4 payments/worker         .  .  X  -\n\n");
}

TEST_F(Podwallctl, DescribeSaysWhatEachPolicySelectsAndWhoIsIsolated) {
  Result r = run("describe --manifests " + (lab_ / "07-ingress-tcp-8080-only").string());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* expected : {"NetworkPolicy payments/api-tcp-8080-only", "  selects: api\n",
                               "  ingress rule 0: allow from any source on 8080/TCP\n",
                               "Pod payments/api  [198.18.7.10, 2001:2:0:7::10]\n"
                               "  ingress: isolated by payments/api-tcp-8080-only\n",
                               "Pod payments/worker  [198.18.7.11]\n"
                               "  ingress: not isolated (all allowed)\n"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
  }
}

TEST_F(Podwallctl, DaemonCommandsSayWhenNoDaemonAnswers) {
  const std::string socket = (scratch_ / "no-daemon.sock").string();
  for (const char* command : {"status", "stats", "reload", "flows"}) {
    Result r = run(std::string(command) + " --socket " + socket);
    EXPECT_EQ(r.status, 1) << command;
    EXPECT_EQ(r.out, "") << command;
    EXPECT_EQ(r.err, std::string("podwallctl ") + command + ": cannot connect to " + socket +
                         ": No such file or directory (is podwall running?)\n")
        << command;
  }
}

TEST_F(Podwallctl, UsageErrorsExitTwo) {
  const std::string dir = (lab_ / "07-ingress-tcp-8080-only").string();
  for (const std::string& args :
       {std::string("frobnicate"), std::string("eval"), std::string("eval --manifests"),
        "matrix --manifests " + dir + " --port 99999", "describe --manifests " + dir + " --bogus",
        std::string("flows --limit many"), std::string("flows --limit -1"),
        std::string("flows extra")}) {
    Result r = run(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err, "") << args;
  }
}

}  // namespace
