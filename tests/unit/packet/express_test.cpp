// The express lane's reader must never say yes where the general parser says no, and where it
// says yes it must read what the parser reads: the same addresses, protocol, ports and TCP
// flags, hence the same flow key. Checked on frames the lane is for, on frames it must leave
// to the parser, and on thousands of corruptions and cuts of both.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dataplane/conntrack/flow_key.h"
#include "dataplane/packet/express.h"
#include "dataplane/packet/parse.h"
#include "tests/unit/packet/frame_builder.h"

namespace podwall {
namespace {

using namespace tcp_flag;
using test::Bytes;
using test::FrameBuilder;
using test::ip;

const IpAddress kA = ip("198.18.4.10");
const IpAddress kB = ip("198.18.4.20");

// If read_express() takes `frame`, parse_packet() takes it too and agrees field by field.
// Returns whether the express lane took it.
bool express_agrees_with_parser(const Bytes& frame, const std::string& what) {
  ExpressPacket fast;
  if (!read_express(frame.data(), uint32_t(frame.size()), fast)) return false;
  ParsedPacket parsed;
  const DropReason reason = parse_packet(frame.data(), uint32_t(frame.size()), parsed);
  EXPECT_EQ(reason, DropReason::none)
      << what << ": the parser drops it as " << drop_reason_name(reason);
  if (reason != DropReason::none) return true;
  const FlowTuple& t = parsed.tuple;
  EXPECT_EQ(parsed.l3, L3Kind::ipv4) << what;
  EXPECT_EQ(parsed.vlan_count, 0) << what;
  EXPECT_FALSE(parsed.frag.is_fragment) << what;
  EXPECT_FALSE(parsed.l2_control) << what;
  EXPECT_TRUE(t.has_ports) << what;
  EXPECT_EQ(t.ip_proto, fast.ip_proto) << what;
  EXPECT_EQ(t.sport, fast.sport) << what;
  EXPECT_EQ(t.dport, fast.dport) << what;
  EXPECT_EQ(parsed.tcp_flags, fast.tcp_flags) << what;

  bool parsed_src_is_lo = false, fast_src_is_lo = false;
  const FlowKey parsed_key = make_flow_key(t, parsed_src_is_lo);
  const FlowKey fast_key =
      make_v4_flow_key(fast.src, fast.dst, fast.sport, fast.dport, fast.ip_proto, fast_src_is_lo);
  EXPECT_TRUE(parsed_key == fast_key) << what << ": the flow keys differ";
  EXPECT_EQ(parsed_src_is_lo, fast_src_is_lo) << what;
  return true;
}

bool takes(const Bytes& frame) {
  ExpressPacket fast;
  return read_express(frame.data(), uint32_t(frame.size()), fast);
}

TEST(ExpressLane, TakesSegmentsOfOpenConnectionsAndDatagrams) {
  const std::vector<std::pair<std::string, Bytes>> frames = {
      {"ack", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, ack).build()},
      {"ack+psh with data",
       FrameBuilder().ipv4(kA, kB).tcp(40000, 80, ack | psh).payload(100).build()},
      {"ack+ece+cwr", FrameBuilder().ipv4(kB, kA).tcp(80, 40000, ack | ece | cwr).build()},
      {"ack with tcp options", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, ack, 8).build()},
      {"udp", FrameBuilder().ipv4(kA, kB).udp(5353, 53).payload(20).build()},
      {"udp, no payload", FrameBuilder().ipv4(kA, kB).udp(5353, 53).build()},
      {"don't fragment", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, ack).build()},
      {"same address both ways", FrameBuilder().ipv4(kA, kA).udp(9, 7).build()},
  };
  for (const auto& [what, frame] : frames) {
    EXPECT_TRUE(express_agrees_with_parser(frame, what)) << what << " should take the express lane";
  }
  // Ethernet padding past the IP total length is normal and ignored.
  Bytes padded = FrameBuilder().ipv4(kA, kB).udp(5353, 53).build();
  padded.resize(60, 0);
  EXPECT_TRUE(express_agrees_with_parser(padded, "padded"));
}

TEST(ExpressLane, LeavesEverythingElseToTheParser) {
  Bytes cut_total = FrameBuilder().ipv4(kA, kB, {.total_length = 200}).tcp(40000, 80, ack).build();
  Bytes long_tcp_header = FrameBuilder().ipv4(kA, kB).tcp(40000, 80, ack).build();
  long_tcp_header[14 + 20 + 12] = 0xf0;  // 60 header bytes claimed, 20 there
  const std::vector<std::pair<std::string, Bytes>> frames = {
      {"syn", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, syn).build()},
      {"syn+ack", FrameBuilder().ipv4(kB, kA).tcp(80, 40000, syn | ack).build()},
      {"fin+ack", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, fin | ack).build()},
      {"rst", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, rst).build()},
      {"rst+ack", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, rst | ack).build()},
      {"ack+urg", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, ack | urg).build()},
      {"null scan", FrameBuilder().ipv4(kA, kB).tcp(40000, 80, 0).build()},
      {"ip options",
       FrameBuilder().ipv4(kA, kB, {.options = {1, 1, 1, 1}}).tcp(40000, 80, ack).build()},
      {"first fragment",
       FrameBuilder().ipv4(kA, kB, {.more_fragments = true}).udp(1, 53, 40).payload(24).build()},
      {"later fragment",
       FrameBuilder().ipv4(kA, kB, {.fragment_offset = 32}).protocol(17).payload(8).build()},
      {"vlan", FrameBuilder().vlan(0x8100, 10).ipv4(kA, kB).tcp(40000, 80, ack).build()},
      {"ipv6", FrameBuilder().ipv6(ip("2001:db8::1"), ip("2001:db8::2")).tcp(1, 80, ack).build()},
      {"sctp", FrameBuilder().ipv4(kA, kB).sctp(1, 2, 0).build()},
      {"icmp echo", FrameBuilder().ipv4(kA, kB).icmp4(8, 0, 1, 1).build()},
      {"arp", FrameBuilder().arp().build()},
      {"tcp data offset past the segment", long_tcp_header},
      {"udp length past the datagram", FrameBuilder().ipv4(kA, kB).udp(1, 53, 200).build()},
      {"udp length under its header", FrameBuilder().ipv4(kA, kB).udp(1, 53, 4).build()},
      {"total length past the frame", cut_total},
  };
  for (const auto& [what, frame] : frames) EXPECT_FALSE(takes(frame)) << what;
}

// Every cut of every frame, and random corruption of the headers: wherever the express lane
// says yes, the parser must say yes to the same thing.
TEST(ExpressLane, NeverTakesWhatTheParserWouldNot) {
  const std::vector<Bytes> bases = {
      FrameBuilder().ipv4(kA, kB).tcp(40000, 80, ack).payload(6).build(),
      FrameBuilder().ipv4(kB, kA).tcp(80, 40000, ack | psh, 6).payload(30).build(),
      FrameBuilder().ipv4(kA, kB).udp(5353, 53).payload(12).build(),
      FrameBuilder().ipv4(kA, kB).tcp(40000, 80, syn).build(),
      FrameBuilder().ipv4(kA, kB, {.more_fragments = true}).udp(1, 53, 40).payload(24).build(),
      FrameBuilder().vlan(0x8100, 10).ipv4(kA, kB).tcp(40000, 80, ack).build(),
  };
  std::mt19937 rng(2026);
  size_t taken = 0, tried = 0;
  for (size_t b = 0; b < bases.size(); ++b) {
    for (size_t cut = 0; cut <= bases[b].size(); ++cut) {
      Bytes f(bases[b].begin(), bases[b].begin() + ptrdiff_t(cut));
      taken += express_agrees_with_parser(
          f, "base " + std::to_string(b) + " cut to " + std::to_string(cut));
      ++tried;
    }
    for (int round = 0; round < 4000; ++round) {
      Bytes f = bases[b];
      // One to three bytes of the Ethernet, IP and L4 headers get a random value.
      for (int flips = 1 + int(rng() % 3); flips > 0; --flips) {
        f[rng() % std::min<size_t>(f.size(), 14 + 20 + 24)] = uint8_t(rng());
      }
      if (rng() % 4 == 0) f.resize(rng() % (f.size() + 1));
      taken += express_agrees_with_parser(
          f, "base " + std::to_string(b) + " round " + std::to_string(round));
      ++tried;
    }
  }
  // The corruptions must leave many frames the lane takes, or the check above proves little.
  EXPECT_GT(taken, tried / 10);
  EXPECT_LT(taken, tried);
}

}  // namespace
}  // namespace podwall
