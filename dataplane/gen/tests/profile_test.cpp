#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "dataplane/gen/profile.h"

namespace podwall::gen {
namespace {

std::optional<Profile> parse(const std::string& text, std::string& error) {
  return parse_profile_text(text, "p.yaml", error);
}

TEST(Profile, FullExample) {
  std::string error;
  auto p = parse(R"(
flows:
  - name: web
    expect: allow
    protocol: tcp
    src_ip: 198.18.10.5-198.18.10.20
    dst_ip: 198.18.10.10
    src_port: 10000-10099
    dst_port: 80
    weight: 3
  - expect: deny
    protocol: udp
    src_ip: 2001:2::/120
    dst_ip: 2001:2::1:1
    dst_port: 53
frame_size: [128, 512, 1500]
rate: 1.5Mpps
count: 1000
)",
                 error);
  ASSERT_TRUE(p) << error;
  ASSERT_EQ(p->flows.size(), 2u);
  EXPECT_EQ(p->flows[0].expect, Expect::allow);
  EXPECT_EQ(p->flows[0].src_ip.count, 16u);
  EXPECT_EQ(p->flows[0].instances(), 16u * 100);
  EXPECT_EQ(p->flows[0].weight, 3u);
  EXPECT_TRUE(p->flows[1].src_ip.v6);
  EXPECT_EQ(p->flows[1].src_ip.count, 256u);
  ASSERT_EQ(p->sweep.size(), 3u);
  EXPECT_EQ(p->sweep[2].label, "1500");
  EXPECT_EQ(p->rate.kind, Rate::Kind::pps);
  EXPECT_DOUBLE_EQ(p->rate.value, 1.5e6);
  EXPECT_EQ(p->count, 1000u);
}

TEST(Profile, RatesAndImix) {
  std::string error;
  auto p = parse(
      "flows: [{src_ip: 198.18.0.1, dst_ip: 198.18.0.2}]\nrate: 10%\nline_rate: 25G\n"
      "frame_size: {imix: [[64, 7], [1518, 1]]}\nduration: 5s\n",
      error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->rate.kind, Rate::Kind::percent);
  EXPECT_EQ(p->rate.line_bps, 25'000'000'000u);
  EXPECT_EQ(p->sweep[0].sizes.size(), 2u);
  EXPECT_DOUBLE_EQ(p->duration_s, 5);
}

// The profiles the README and the benchmarks point users at.
TEST(Profile, TheShippedProfilesLoad) {
  const char* root = std::getenv("PODWALL_SOURCE_ROOT");
  ASSERT_NE(root, nullptr);
  int loaded = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(root) + "/tests/data/bench")) {
    if (entry.path().extension() != ".yaml") continue;
    std::string error;
    EXPECT_TRUE(load_profile(entry.path().string(), error)) << error;
    ++loaded;
  }
  EXPECT_GE(loaded, 3);
}

struct Bad {
  const char* text;
  const char* message;  // expected error, file:line included
};

class BadProfile : public ::testing::TestWithParam<Bad> {};

TEST_P(BadProfile, SaysFileLineAndReason) {
  std::string error;
  EXPECT_FALSE(parse(GetParam().text, error));
  EXPECT_EQ(error, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadProfile,
    ::testing::Values(
        Bad{"rate: 5\n", "p.yaml:1: flows: missing; a profile needs at least one flow"},
        Bad{"flows:\n  - src_ip: 198.18.0.1\n    dst_ip: 198.18.0.2\n    dst_port: 70000\n",
            "p.yaml:4: dst_port: '70000' is not a port or port range"},
        Bad{"flows:\n  - src_ip: 198.18.0.300\n    dst_ip: 198.18.0.2\n",
            "p.yaml:2: src_ip: '198.18.0.300' is not an IPv4 or IPv6 address"},
        Bad{"flows:\n  - src_ip: 198.18.0.1\n    dst_ip: 2001:2::1\n",
            "p.yaml:2: flows: src_ip and dst_ip mix IPv4 and IPv6"},
        Bad{"flows:\n  - src_ip: 198.18.0.1\n    dst_ip: 198.18.0.2\n    protocol: gre\n",
            "p.yaml:4: protocol: 'gre' must be tcp, udp or icmp"},
        Bad{"flows:\n  - src_ip: 198.18.0.1\n    dst_ip: 198.18.0.2\n    colour: red\n",
            "p.yaml:4: flows: unknown key 'colour'"},
        Bad{"flows: [{src_ip: 198.18.0.1, dst_ip: 198.18.0.2}]\nrate: fast\n",
            "p.yaml:2: rate: 'fast' must be unlimited, pps (1000000, 1.5Mpps, 500kpps) or a "
            "percentage of the line rate (10%)"},
        Bad{"flows: [{src_ip: 198.18.0.1, dst_ip: 198.18.0.2}]\nframe_size: 32\n",
            "p.yaml:2: frame_size: '32' must be a number from 64 to 9018"},
        Bad{"flows: [{src_ip: '2001:2::1', dst_ip: '2001:2::2', protocol: tcp}]\n"
            "frame_size: 64\n",
            "p.yaml:2: frame_size: 64 B cannot hold the headers of the flow at line 1 (at "
            "least 78 B)"},
        Bad{"flows: [{src_ip: 198.18.0.1, dst_ip: 198.18.0.2}]\nduration: 1\ncount: 5\n",
            "p.yaml:1: give duration or count, not both"},
        Bad{"flows: [\n", "p.yaml:2: end of sequence flow not found"},
        // An empty value (here an empty tagged scalar) is refused, not read before its start.
        Bad{"flows: [{src_ip: 198.18.0.1, dst_ip: 198.18.0.2}]\nrate: !\n",
            "p.yaml:2: rate: '' must be unlimited, pps (1000000, 1.5Mpps, 500kpps) or a "
            "percentage of the line rate (10%)"},
        // Past 2^64 bits/s: refused while a double, never converted.
        Bad{"flows: [{src_ip: 198.18.0.1, dst_ip: 198.18.0.2}]\nline_rate: 1e70G\n",
            "p.yaml:2: line_rate: '1e70G' must be bits/s from 1 to 10000G, e.g. 10G or 100M"},
        // 2^32 x 715,827,883 x 6 flows is 2^64 + 2^33: counted in 64 bits it wrapped to 2^33.
        Bad{"flows:\n  - src_ip: 2001:2::/96\n    dst_ip: 2001:3::1-2001:3::2aaa:aaab\n"
            "    src_port: 1-2\n    dst_port: 1-3\n",
            "p.yaml:2: flows: more than 2^40 distinct flows in one entry"},
        // Nothing in the text to point at: line 1, not 0.
        Bad{"", "p.yaml:1: a profile is a mapping (flows, frame_size, ...)"},
        Bad{"# only a comment\n", "p.yaml:1: a profile is a mapping (flows, frame_size, ...)"},
        // What YAML::Load let through: a stray ',' (read as an empty document), a second
        // document (never read), a key given twice (the first one won).
        Bad{",\n", "p.yaml:1: unexpected ','"},
        Bad{"flows: [{src_ip: 198.18.0.1, dst_ip: 198.18.0.2}]\n---\nrate: 5\n",
            "p.yaml:3: a second YAML document: a profile is one mapping"},
        Bad{"flows: [{src_ip: 198.18.0.1, dst_ip: 198.18.0.2}]\nrate: 5\nrate: 10%\n",
            "p.yaml:3: rate: given twice (first on line 2)"},
        Bad{"flows:\n  - src_ip: 198.18.0.1\n    dst_ip: 198.18.0.2\n    dst_ip: 198.18.0.3\n",
            "p.yaml:4: dst_ip: given twice (first on line 3)"}));

}  // namespace
}  // namespace podwall::gen
