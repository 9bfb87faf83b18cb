// Fragments: what the parser reports, and how decide() treats datagrams through the tracker.

#include <gtest/gtest.h>

#include "tests/unit/packet/firewall_fixture.h"

namespace podwall {
namespace {

using test::Bytes;
using test::FrameBuilder;
using test::ip;

const IpAddress kClient = ip("198.18.1.10");
const IpAddress kServer = ip("198.18.1.20");
const IpAddress kClient6 = ip("2001:db8:1::10");
const IpAddress kServer6 = ip("2001:db8:1::20");

DropReason parse(const Bytes& frame, ParsedPacket& out) {
  return parse_packet(frame.data(), uint32_t(frame.size()), out);
}

// IPv4 UDP datagram, fragment of `length` bytes at `offset`; the first carries the UDP header.
Bytes frag4(uint16_t id, uint16_t offset, uint16_t length, bool more, uint16_t dport = 53,
            const IpAddress& src = kClient) {
  test::Ipv4Fields f{.id = id, .more_fragments = more, .fragment_offset = offset};
  if (offset == 0) {
    return FrameBuilder().ipv4(src, kServer, f).udp(5000, dport, 1000).payload(length - 8).build();
  }
  return FrameBuilder().ipv4(src, kServer, f).protocol(ip_proto::udp).payload(length).build();
}

Bytes frag6(uint32_t id, uint16_t offset, uint16_t length, bool more, uint16_t dport = 53) {
  FrameBuilder b;
  b.ipv6(kClient6, kServer6).frag6(offset, more, id);
  if (offset == 0) return b.udp(5000, dport, 1000).payload(length - 8).build();
  return b.protocol(ip_proto::udp).payload(length).build();
}

TEST(FragmentParse, Ipv4FirstAndLater) {
  ParsedPacket p;
  ASSERT_EQ(parse(frag4(7, 0, 64, true), p), DropReason::none);
  EXPECT_TRUE(p.frag.is_fragment);
  EXPECT_TRUE(p.frag.first);
  EXPECT_TRUE(p.frag.more);
  EXPECT_EQ(p.frag.id, 7u);
  EXPECT_EQ(p.frag.length, 64);
  EXPECT_EQ(p.frag.key_proto, ip_proto::udp);
  EXPECT_EQ(p.tuple.dport, 53);  // UDP length covers the datagram, not the fragment

  ASSERT_EQ(parse(frag4(7, 64, 40, false), p), DropReason::none);
  EXPECT_TRUE(p.frag.is_fragment);
  EXPECT_FALSE(p.frag.first);
  EXPECT_FALSE(p.frag.more);
  EXPECT_EQ(p.frag.offset, 64);
  EXPECT_EQ(p.frag.length, 40);
  EXPECT_FALSE(p.has_l4());
  EXPECT_FALSE(p.tuple.has_ports);
}

TEST(FragmentParse, Ipv6FirstAndLater) {
  ParsedPacket p;
  ASSERT_EQ(parse(frag6(0xdeadbeef, 0, 48, true), p), DropReason::none);
  EXPECT_TRUE(p.frag.first);
  EXPECT_EQ(p.frag.id, 0xdeadbeefu);
  EXPECT_EQ(p.frag.length, 48);
  EXPECT_EQ(p.tuple.ip_proto, ip_proto::udp);
  EXPECT_EQ(p.tuple.dport, 53);
  ASSERT_EQ(parse(frag6(0xdeadbeef, 48, 16, false), p), DropReason::none);
  EXPECT_FALSE(p.frag.first);
  EXPECT_EQ(p.frag.offset, 48);
  EXPECT_EQ(p.tuple.ip_proto, ip_proto::udp);
}

TEST(FragmentParse, AtomicFragmentIsAWholeDatagram) {
  ParsedPacket p;
  Bytes f = FrameBuilder().ipv6(kClient6, kServer6).frag6(0, false, 9).udp(1, 53).build();
  ASSERT_EQ(parse(f, p), DropReason::none);
  EXPECT_FALSE(p.frag.is_fragment);
  EXPECT_EQ(p.tuple.dport, 53);
}

TEST(FragmentParse, TinyFirstFragments) {
  ParsedPacket p;
  // A first fragment with 8 bytes of TCP: ports visible, flags not.
  test::Ipv4Fields f{.more_fragments = true};
  Bytes tcp8 = FrameBuilder().ipv4(kClient, kServer, f).protocol(ip_proto::tcp).payload(8).build();
  EXPECT_EQ(parse(tcp8, p), DropReason::tiny_fragment);
  // 24 bytes of TCP whose header says 40.
  Bytes tcp24 = FrameBuilder().ipv4(kClient, kServer, f).tcp(1, 80, 2, 10).build();
  tcp24.resize(tcp24.size() - 16);
  tcp24[14 + 3] = uint8_t(20 + 24);
  EXPECT_EQ(parse(tcp24, p), DropReason::tiny_fragment);
  Bytes udp0 = FrameBuilder().ipv4(kClient, kServer, f).protocol(ip_proto::udp).build();
  EXPECT_EQ(parse(udp0, p), DropReason::bad_fragment_length);  // empty non-last fragment
  Bytes v6 =
      FrameBuilder().ipv6(kClient6, kServer6).frag6(0, true, 1).protocol(6).payload(8).build();
  EXPECT_EQ(parse(v6, p), DropReason::tiny_fragment);
}

TEST(FragmentParse, Geometry) {
  ParsedPacket p;
  EXPECT_EQ(parse(frag4(1, 8, 12, true), p), DropReason::bad_fragment_length);  // not 8-aligned
  EXPECT_EQ(parse(frag4(1, 65528, 16, false), p), DropReason::bad_fragment_offset);
  EXPECT_EQ(parse(frag6(1, 65528, 16, false), p), DropReason::bad_fragment_offset);
}

TEST(FragmentParse, Ipv6ChainMustFitInTheFirstFragment) {
  ParsedPacket p;
  // Fragment header, then a destination-options header that claims 16 bytes but has 8.
  Bytes f = FrameBuilder()
                .ipv6(kClient6, kServer6)
                .frag6(0, true, 3)
                .ext(ip_proto::dest_options, 16)
                .build();
  f.resize(f.size() - 8);
  f[14 + 5] = uint8_t(16);  // payload length: fragment header + 8 bytes
  EXPECT_EQ(parse(f, p), DropReason::ipv6_ext_chain_not_in_first_fragment);
  // Same chain without fragmentation is just an overrunning header.
  Bytes g = FrameBuilder().ipv6(kClient6, kServer6).ext(ip_proto::dest_options, 16).build();
  g.resize(g.size() - 8);
  g[14 + 5] = uint8_t(8);
  EXPECT_EQ(parse(g, p), DropReason::truncated_ipv6_ext_header);
}

class Fragments : public test::FirewallTest {
 protected:
  void SetUp() override {
    tables.allow(kClient, kServer, ip_proto::udp, 53);
    tables.allow(kClient6, kServer6, ip_proto::udp, 53);
  }
};

TEST_F(Fragments, LaterFragmentsOfAnAllowedDatagramPass) {
  EXPECT_TRUE(send(frag4(1, 0, 64, true)).passed());
  EXPECT_TRUE(send(frag4(1, 64, 64, true)).passed());
  EXPECT_TRUE(send(frag4(1, 128, 13, false)).passed());
  EXPECT_EQ(counters.fragments_passed, 2u);
  EXPECT_EQ(fragments.size(), 0u);  // complete: forgotten early
  EXPECT_EQ(flows.size(), 1u);      // the first fragment opened the UDP flow
}

TEST_F(Fragments, LaterFragmentsOfADeniedDatagramAreDropped) {
  EXPECT_EQ(send(frag4(2, 0, 64, true, 54)).reason, DropReason::policy_denied);
  EXPECT_EQ(send(frag4(2, 64, 16, false, 54)).reason, DropReason::fragment_of_denied_datagram);
}

// A policy change between fragments: the rest of the datagram follows its flow.
TEST_F(Fragments, RecheckDropsTheRestOfADatagramWhoseFlowWasCut) {
  ASSERT_TRUE(send(frag4(20, 0, 64, true)).passed());
  ASSERT_TRUE(send(frag4(20, 64, 64, true)).passed());
  tables.allowed.clear();
  ++generation;
  EXPECT_EQ(send(frag4(20, 128, 16, true)).reason, DropReason::policy_revoked);
  EXPECT_EQ(counters.flows_revoked, 1u);
  EXPECT_EQ(send(frag4(20, 144, 16, false)).reason, DropReason::fragment_of_denied_datagram);
  EXPECT_EQ(send(frag4(20, 0, 64, true)).reason, DropReason::fragment_of_denied_datagram);
}

TEST_F(Fragments, RecheckLetsTheRestThroughWhenTheFlowStillStands) {
  ASSERT_TRUE(send(frag4(21, 0, 64, true)).passed());
  ++generation;  // same rules, new generation
  int calls = tables.calls;
  EXPECT_TRUE(send(frag4(21, 64, 64, true)).passed());
  EXPECT_TRUE(send(frag4(21, 0, 64, true)).passed());  // a duplicate first fragment
  EXPECT_TRUE(send(frag4(21, 128, 16, false)).passed());
  EXPECT_EQ(tables.calls, calls + 1);  // judged again once, not per fragment
  EXPECT_EQ(counters.flows_rechecked, 1u);
}

TEST_F(Fragments, DuplicateFirstFragmentAfterACutIsDropped) {
  ASSERT_TRUE(send(frag4(22, 0, 64, true)).passed());
  tables.allowed.clear();
  ++generation;
  EXPECT_EQ(send(frag4(22, 0, 64, true)).reason, DropReason::policy_revoked);
}

TEST_F(Fragments, KeepModeLetsTheRestThrough) {
  config.established = EstablishedMode::keep;
  ASSERT_TRUE(send(frag4(23, 0, 64, true)).passed());
  tables.allowed.clear();
  ++generation;
  EXPECT_TRUE(send(frag4(23, 64, 16, false)).passed());
}

TEST_F(Fragments, OrphansAreDropped) {
  // The later fragment before the first: dropped, and the first alone then passes.
  EXPECT_EQ(send(frag4(3, 64, 16, false)).reason, DropReason::orphan_fragment);
  EXPECT_TRUE(send(frag4(3, 0, 64, true)).passed());
  // A fragment of a datagram never seen.
  EXPECT_EQ(send(frag4(4, 800, 16, false)).reason, DropReason::orphan_fragment);
  EXPECT_EQ(fragments.size(), 1u);
}

TEST_F(Fragments, OverlapPoisonsTheDatagram) {
  ASSERT_TRUE(send(frag4(5, 0, 64, true)).passed());
  ASSERT_TRUE(send(frag4(5, 64, 64, true)).passed());
  EXPECT_EQ(send(frag4(5, 56, 16, true)).reason, DropReason::overlapping_fragment);
  EXPECT_EQ(send(frag4(5, 128, 16, false)).reason, DropReason::fragment_of_poisoned_datagram);
  EXPECT_EQ(send(frag4(5, 0, 64, true)).reason, DropReason::fragment_of_poisoned_datagram);
}

TEST_F(Fragments, FirstFragmentTwice) {
  ASSERT_TRUE(send(frag4(6, 0, 64, true)).passed());
  EXPECT_TRUE(send(frag4(6, 0, 64, true)).passed());  // a duplicate: same verdict
  EXPECT_EQ(send(frag4(6, 0, 72, true)).reason, DropReason::overlapping_fragment);
  EXPECT_EQ(send(frag4(6, 64, 8, false)).reason, DropReason::fragment_of_poisoned_datagram);
}

// A "duplicate" of an allowed first fragment whose L4 header names another flow (here a denied
// port) is no duplicate: it would pass unjudged, and a receiver that keeps the newer of two
// overlapping fragments would deliver it. It overlaps, and poisons the datagram.
TEST_F(Fragments, FirstFragmentTwiceWithAnotherFlowIsAnOverlap) {
  ASSERT_TRUE(send(frag4(24, 0, 64, true, 53)).passed());
  EXPECT_EQ(send(frag4(24, 0, 64, true, 22)).reason, DropReason::overlapping_fragment);
  EXPECT_EQ(send(frag4(24, 64, 16, false)).reason, DropReason::fragment_of_poisoned_datagram);
  EXPECT_EQ(counters.flows_denied, 0u);

  test::Ipv4Fields first{.id = 25, .more_fragments = true};
  ASSERT_TRUE(
      send(FrameBuilder().ipv4(kClient, kServer, first).udp(5000, 53, 1000).payload(56).build())
          .passed());
  // Another source port: another flow of the same two pods.
  EXPECT_EQ(
      send(FrameBuilder().ipv4(kClient, kServer, first).udp(5001, 53, 1000).payload(56).build())
          .reason,
      DropReason::overlapping_fragment);

  ASSERT_TRUE(send(frag6(26, 0, 48, true, 53)).passed());
  EXPECT_EQ(send(frag6(26, 0, 48, true, 54)).reason, DropReason::overlapping_fragment);
}

TEST_F(Fragments, OffsetOneRewritesTheTcpHeader) {
  // RFC 1858: a second fragment at offset 8 over the first fragment's TCP header.
  tables.allow(kClient, kServer, ip_proto::tcp, 80);
  test::Ipv4Fields first{.id = 9, .more_fragments = true};
  Bytes f1 =
      FrameBuilder().ipv4(kClient, kServer, first).tcp(1, 80, tcp_flag::syn).payload(4).build();
  ASSERT_TRUE(send(f1).passed());
  test::Ipv4Fields second{.id = 9, .fragment_offset = 8};
  Bytes f2 = FrameBuilder().ipv4(kClient, kServer, second).protocol(6).payload(24).build();
  EXPECT_EQ(send(f2).reason, DropReason::overlapping_fragment);
}

TEST_F(Fragments, ConflictingEnds) {
  ASSERT_TRUE(send(frag4(10, 0, 64, true)).passed());
  ASSERT_TRUE(send(frag4(10, 128, 16, false)).passed());  // end = 144, hole at 64..128
  EXPECT_EQ(send(frag4(10, 144, 8, true)).reason, DropReason::overlapping_fragment);
}

TEST_F(Fragments, OutOfOrderMiddlesFillTheHoles) {
  ASSERT_TRUE(send(frag4(11, 0, 64, true)).passed());
  EXPECT_TRUE(send(frag4(11, 256, 16, false)).passed());
  EXPECT_TRUE(send(frag4(11, 128, 64, true)).passed());
  EXPECT_TRUE(send(frag4(11, 64, 64, true)).passed());
  EXPECT_EQ(fragments.size(), 1u);
  EXPECT_TRUE(send(frag4(11, 192, 64, true)).passed());
  EXPECT_EQ(fragments.size(), 0u);
}

TEST_F(Fragments, TooManyHoles) {
  ASSERT_TRUE(send(frag4(12, 0, 8, true)).passed());
  for (uint16_t i = 1; i < Datagram::kMaxPieces; ++i) {
    ASSERT_TRUE(send(frag4(12, uint16_t(i * 16), 8, true)).passed()) << i;
  }
  EXPECT_EQ(send(frag4(12, 400, 8, true)).reason, DropReason::too_many_fragment_holes);
  EXPECT_EQ(send(frag4(12, 8, 8, true)).reason, DropReason::fragment_of_poisoned_datagram);
}

TEST_F(Fragments, Ipv6Datagrams) {
  EXPECT_TRUE(send(frag6(100, 0, 48, true)).passed());
  EXPECT_TRUE(send(frag6(100, 48, 16, false)).passed());
  EXPECT_EQ(send(frag6(101, 0, 48, true, 54)).reason, DropReason::policy_denied);
  EXPECT_EQ(send(frag6(101, 48, 16, false)).reason, DropReason::fragment_of_denied_datagram);
  EXPECT_EQ(send(frag6(102, 48, 16, false)).reason, DropReason::orphan_fragment);
}

TEST_F(Fragments, ForgottenAfterTheTimeout) {
  ASSERT_TRUE(send(frag4(13, 0, 64, true)).passed());
  advance_seconds(31);
  EXPECT_EQ(send(frag4(13, 64, 16, false)).reason, DropReason::orphan_fragment);
  EXPECT_EQ(fragments.size(), 0u);
}

TEST_F(Fragments, SameIdFromAnotherSourceIsAnotherDatagram) {
  ASSERT_TRUE(send(frag4(14, 0, 64, true)).passed());
  EXPECT_EQ(send(frag4(14, 64, 16, false, 53, ip("198.18.1.99"))).reason,
            DropReason::orphan_fragment);
}

class SmallFragmentTable : public test::FirewallTest {
 protected:
  SmallFragmentTable() : FirewallTest(1024, 8) {}
  void SetUp() override { tables.allow(kClient, kServer, ip_proto::udp, 53); }
};

TEST_F(SmallFragmentTable, FullTableDropsNewDatagrams) {
  for (uint16_t id = 0; id < 8; ++id) ASSERT_TRUE(send(frag4(id, 0, 64, true)).passed());
  EXPECT_EQ(fragments.size(), 8u);
  EXPECT_EQ(send(frag4(99, 0, 64, true)).reason, DropReason::fragment_table_full);
  EXPECT_EQ(dropped(DropReason::fragment_table_full), 1u);
  EXPECT_TRUE(send(frag4(3, 128, 16, false)).passed());  // tracked ones carry on
  advance_seconds(31);
  EXPECT_TRUE(send(frag4(99, 0, 64, true)).passed());  // expired slots are reused
}

}  // namespace
}  // namespace podwall
