#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>

#include <vector>

#include "dataplane/gen/frame.h"

namespace podwall::gen {
namespace {

FlowGroup group(const char* src, const char* dst, Protocol proto) {
  std::string error;
  std::string text = std::string("flows: [{src_ip: '") + src + "', dst_ip: '" + dst +
                     "', protocol: " +
                     (proto == Protocol::tcp   ? "tcp"
                      : proto == Protocol::udp ? "udp"
                                               : "icmp") +
                     ", src_port: 1000-1009, dst_port: 80}]\nframe_size: 128\n";
  auto p = parse_profile_text(text, "t", error);
  EXPECT_TRUE(p) << error;
  return p->flows[0];
}

uint16_t ones_sum(const uint8_t* p, size_t n, uint32_t sum) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += uint32_t(p[n - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

// A stamped frame's L4 checksum still verifies (sums to 0xffff with the pseudo header).
void expect_valid_l4(const std::vector<uint8_t>& f, bool v6, uint8_t proto) {
  size_t ip = 14, l4 = v6 ? 54 : 34;
  size_t l4_len = f.size() - l4;
  uint32_t sum = 0;
  if (!(proto == 1 && !v6)) {
    sum = ones_sum(&f[ip + (v6 ? 8 : 12)], v6 ? 32 : 8, 0);
    sum += proto + uint32_t(l4_len);
  }
  EXPECT_EQ(ones_sum(&f[l4], l4_len, sum), 0xffff);
}

TEST(Frame, StampRoundTripsAndChecksumsStayValid) {
  struct Case {
    const char* src;
    const char* dst;
    Protocol proto;
    uint8_t number;
  };
  for (Case c : {Case{"198.18.0.1-198.18.0.9", "198.18.1.1", Protocol::tcp, 6},
                 Case{"198.18.0.1", "198.18.1.1", Protocol::udp, 17},
                 Case{"198.18.0.1", "198.18.1.1", Protocol::icmp, 1},
                 Case{"2001:2::1", "2001:2::2", Protocol::tcp, 6},
                 Case{"2001:2::1", "2001:2::2", Protocol::icmp, 58}}) {
    FlowGroup g = group(c.src, c.dst, c.proto);
    bool v6 = g.src_ip.v6;
    std::vector<uint8_t> f(124);
    StampSpot spot;
    ASSERT_EQ(build_frame(g, 7, 3, 128, true, f.data(), spot), 124u);
    stamp(f.data(), spot, 0x0123456789abcdefull);
    expect_valid_l4(f, v6, c.number);
    uint16_t group_index = 0;
    uint64_t tsc = 0;
    ASSERT_TRUE(read_stamp(f.data(), f.size(), group_index, tsc));
    EXPECT_EQ(group_index, 7);
    EXPECT_EQ(tsc, 0x0123456789abcdefull);
  }
}

TEST(Frame, InstancesWalkSourcesFirst) {
  FlowGroup g = group("198.18.0.1-198.18.0.9", "198.18.1.1", Protocol::tcp);
  EXPECT_EQ(g.instances(), 9u * 10);
  std::vector<uint8_t> f(60);
  StampSpot spot;
  build_frame(g, 0, 10, 64, false, f.data(), spot);
  EXPECT_EQ(f[14 + 15], 2);                    // source 198.18.0.2 (10 % 9 = 1)
  EXPECT_EQ(f[34] << 8 | f[35], 1001);         // source port 1000 + 10 / 9
  EXPECT_EQ(f[34 + 13], 0x10);                 // ACK, not SYN
  EXPECT_EQ(f[6], 0x02);                       // locally administered source MAC
  EXPECT_NE(std::memcmp(&f[0], &f[6], 6), 0);  // never addressed to itself
}

TEST(Frame, ForeignFramesHaveNoStamp) {
  std::vector<uint8_t> arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  uint16_t g;
  uint64_t t;
  EXPECT_FALSE(read_stamp(arp.data(), arp.size(), g, t));
}

}  // namespace
}  // namespace podwall::gen
