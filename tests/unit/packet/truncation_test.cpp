// Cuts valid frames at every byte, in two ways, and checks the parser's answer each time:
//  1. the frame ends early (capture cut): the reason names the layer that is cut;
//  2. the IP length fields themselves shrink (a lying sender): the reason names the L4 layer.
// Every cut copy lives in a heap block of exactly its size, so a read past the end is an
// AddressSanitizer error in the sanitizer build.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "dataplane/packet/parse.h"
#include "tests/unit/packet/frame_builder.h"

namespace podwall {
namespace {

using test::Bytes;
using test::FrameBuilder;
using test::ip;

const IpAddress kA = ip("198.18.0.1");
const IpAddress kB = ip("198.18.0.2");
const IpAddress kA6 = ip("2001:db8::a");
const IpAddress kB6 = ip("2001:db8::b");

DropReason parse_exact(const Bytes& frame, size_t n, ParsedPacket& out) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[n]);
  std::copy(frame.begin(), frame.begin() + n, copy.get());
  DropReason r = parse_packet(copy.get(), uint32_t(n), out);
  // Whatever was parsed lies inside the bytes given.
  if (r == DropReason::none && out.has_l4()) {
    EXPECT_LE(out.l4_offset + out.l4_length, n);
  }
  return r;
}

struct Case {
  std::string name;
  Bytes frame;
  L3Kind kind;
  size_t vlans = 0;
  size_t ip_header = 0;  // IPv4 header with options; 40 for IPv6
  // For the length-field cuts: bytes of the chain after the IP header, before L4 (IPv6 ext
  // headers), and the expected reason when `k` bytes of IP payload remain.
  std::function<DropReason(size_t k)> l4_cut;
};

DropReason tcp_cut(size_t k) {
  return k < 20 ? DropReason::truncated_l4 : DropReason::none;
}
DropReason udp_cut(size_t k, size_t udp_length) {
  if (k < 8) return DropReason::truncated_l4;
  return k < udp_length ? DropReason::bad_udp_length : DropReason::none;
}
DropReason sctp_cut(size_t k) {
  return k < 16 ? DropReason::truncated_l4 : DropReason::none;
}
DropReason icmp_cut(size_t k) {
  return k < 8 ? DropReason::truncated_l4 : DropReason::none;
}
// ICMP error: 8 bytes of ICMP, then an inner IP header of `inner_ip` bytes and 8 of L4.
DropReason icmp_error_cut(size_t k, size_t inner_ip) {
  if (k < 8) return DropReason::truncated_l4;
  return k < 8 + inner_ip + 8 ? DropReason::bad_icmp_error : DropReason::none;
}
// IPv6 with an extension chain of `chain` bytes before L4.
std::function<DropReason(size_t)> behind_chain(size_t chain, std::function<DropReason(size_t)> l4) {
  return [chain, l4](size_t k) {
    return k < chain ? DropReason::truncated_ipv6_ext_header : l4(k - chain);
  };
}

std::vector<Case> cases() {
  test::Ipv4Fields with_options;
  with_options.options = {1, 1, 1, 0, 0x94, 4, 0, 0};
  Bytes inner4 = FrameBuilder(true).ipv4(kA, kB).tcp(40000, 80, tcp_flag::syn).build();
  inner4.resize(28);
  Bytes inner6 = FrameBuilder(true).ipv6(kA6, kB6).udp(5000, 53).payload(8).build();
  return {
      {"arp", FrameBuilder().arp().build(), L3Kind::arp},
      {"qinq_arp", FrameBuilder().vlan(0x88a8, 1).vlan(0x8100, 2).arp().build(), L3Kind::arp, 2},
      {"v4_tcp", FrameBuilder().ipv4(kA, kB).tcp(1, 80, 2).build(), L3Kind::ipv4, 0, 20, tcp_cut},
      {"v4_options_udp", FrameBuilder().ipv4(kA, kB, with_options).udp(1, 53).payload(6).build(),
       L3Kind::ipv4, 0, 28, [](size_t k) { return udp_cut(k, 14); }},
      {"vlan_v4_sctp", FrameBuilder().vlan(0x8100, 3).ipv4(kA, kB).sctp(1, 2, 1).build(),
       L3Kind::ipv4, 1, 20, sctp_cut},
      {"v4_echo", FrameBuilder().ipv4(kA, kB).icmp4(8, 0, 1, 1).payload(8).build(), L3Kind::ipv4, 0,
       20, icmp_cut},
      {"v4_icmp_error", FrameBuilder().ipv4(kB, kA).icmp4(3, 1).raw(inner4).build(), L3Kind::ipv4,
       0, 20, [](size_t k) { return icmp_error_cut(k, 20); }},
      {"v6_tcp", FrameBuilder().ipv6(kA6, kB6).tcp(1, 443, 2).build(), L3Kind::ipv6, 0, 40,
       tcp_cut},
      {"qinq_v6_chain_tcp",
       FrameBuilder()
           .vlan(0x88a8, 10)
           .vlan(0x8100, 20)
           .ipv6(kA6, kB6)
           .ext(ip_proto::hop_by_hop)
           .ext(ip_proto::routing, 24)
           .ah(16)
           .ext(ip_proto::dest_options)
           .tcp(1, 443, 2, 8)
           .build(),
       L3Kind::ipv6, 2, 40,
       behind_chain(56,
                    [](size_t k) {
                      return k < 20 ? DropReason::truncated_l4
                                    : (k < 32 ? DropReason::bad_tcp_data_offset : DropReason::none);
                    })},
      {"v6_echo", FrameBuilder().ipv6(kA6, kB6).icmp6(128, 0, 5, 1).build(), L3Kind::ipv6, 0, 40,
       icmp_cut},
      {"v6_icmp_error", FrameBuilder().ipv6(kB6, kA6).icmp6(1, 4).raw(inner6).build(), L3Kind::ipv6,
       0, 40, [](size_t k) { return icmp_error_cut(k, 40); }},
  };
}

DropReason expected_for_capture_cut(const Case& c, size_t n) {
  size_t l3 = 14 + 4 * c.vlans;
  if (n < 14) return DropReason::truncated_l2;
  if (n < l3) return DropReason::truncated_vlan;
  if (n == c.frame.size()) return DropReason::none;
  switch (c.kind) {
    case L3Kind::arp:
      return DropReason::truncated_arp;
    case L3Kind::ipv4:
      return n - l3 < c.ip_header ? DropReason::truncated_ipv4 : DropReason::bad_ipv4_total_length;
    case L3Kind::ipv6:
      return n - l3 < 40 ? DropReason::truncated_ipv6 : DropReason::bad_ipv6_payload_length;
    default:
      return DropReason::none;
  }
}

TEST(Truncation, EveryCaptureCutOfEveryFrame) {
  for (const Case& c : cases()) {
    for (size_t n = 0; n <= c.frame.size(); ++n) {
      ParsedPacket p;
      EXPECT_EQ(drop_reason_name(parse_exact(c.frame, n, p)),
                std::string(drop_reason_name(expected_for_capture_cut(c, n))))
          << c.name << " cut at " << n << " of " << c.frame.size();
    }
  }
}

// Shrinks the IP length field so that only `k` bytes of IP payload remain, and cuts the frame
// there too.
Bytes shrink_ip_payload(const Case& c, size_t k) {
  size_t l3 = 14 + 4 * c.vlans;
  Bytes f(c.frame.begin(), c.frame.begin() + l3 + c.ip_header + k);
  size_t field = c.kind == L3Kind::ipv4 ? c.ip_header + k : (c.ip_header - 40) + k;
  size_t at = l3 + (c.kind == L3Kind::ipv4 ? 2 : 4);
  f[at] = uint8_t(field >> 8);
  f[at + 1] = uint8_t(field);
  return f;
}

TEST(Truncation, EveryLengthFieldCutOfEveryFrame) {
  for (const Case& c : cases()) {
    if (!c.l4_cut) continue;
    size_t payload = c.frame.size() - (14 + 4 * c.vlans) - c.ip_header;
    for (size_t k = 0; k <= payload; ++k) {
      Bytes f = shrink_ip_payload(c, k);
      ParsedPacket p;
      EXPECT_EQ(drop_reason_name(parse_exact(f, f.size(), p)),
                std::string(drop_reason_name(c.l4_cut(k))))
          << c.name << " with " << k << " of " << payload << " payload bytes";
    }
  }
}

// Random byte flips on valid frames: the parser must neither crash nor read out of bounds.
TEST(Truncation, RandomCorruptionNeverReadsPastTheEnd) {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (const Case& c : cases()) {
    for (int round = 0; round < 2000; ++round) {
      Bytes f = c.frame;
      int flips = 1 + int(next() % 4);
      for (int i = 0; i < flips; ++i) f[next() % f.size()] = uint8_t(next());
      size_t n = next() % (f.size() + 1);
      ParsedPacket p;
      parse_exact(f, n, p);
    }
  }
}

}  // namespace
}  // namespace podwall
