// The parser on well-formed frames of every kind, and on the malformed headers that are not
// simple truncations (those are in truncation_test.cpp).

#include <gtest/gtest.h>

#include "dataplane/packet/parse.h"
#include "tests/unit/packet/frame_builder.h"

namespace podwall {
namespace {

using test::Bytes;
using test::FrameBuilder;
using test::ip;

const IpAddress kA = ip("198.18.0.1");
const IpAddress kB = ip("198.18.0.2");
const IpAddress kA6 = ip("2001:db8::1");
const IpAddress kB6 = ip("2001:db8::2");

DropReason parse(const Bytes& frame, ParsedPacket& out) {
  return parse_packet(frame.data(), uint32_t(frame.size()), out);
}

TEST(Parse, Ipv4Tcp) {
  Bytes f = FrameBuilder().ipv4(kA, kB).tcp(40000, 80, tcp_flag::syn).build();
  ParsedPacket p;
  ASSERT_EQ(parse(f, p), DropReason::none);
  EXPECT_EQ(p.l3, L3Kind::ipv4);
  EXPECT_EQ(p.ethertype, ether_type::ipv4);
  EXPECT_EQ(p.l3_offset, 14);
  EXPECT_EQ(p.l4_offset, 34);
  EXPECT_EQ(p.l4_length, 20);
  EXPECT_EQ(p.tuple.src, kA);
  EXPECT_EQ(p.tuple.dst, kB);
  EXPECT_EQ(p.tuple.ip_proto, ip_proto::tcp);
  EXPECT_TRUE(p.tuple.has_ports);
  EXPECT_EQ(p.tuple.sport, 40000);
  EXPECT_EQ(p.tuple.dport, 80);
  EXPECT_EQ(p.tcp_flags, tcp_flag::syn);
  EXPECT_EQ(p.hop_limit, 64);
  EXPECT_FALSE(p.frag.is_fragment);
  EXPECT_FALSE(p.l2_control);
}

TEST(Parse, Ipv4OptionsAreSkipped) {
  test::Ipv4Fields f;
  f.options = {0x94, 0x04, 0, 0, 1, 1, 1, 0};  // router alert, NOPs, end
  Bytes frame = FrameBuilder().ipv4(kA, kB, f).udp(53, 5353).payload(4).build();
  ParsedPacket p;
  ASSERT_EQ(parse(frame, p), DropReason::none);
  EXPECT_EQ(p.l4_offset, 14 + 28);
  EXPECT_EQ(p.tuple.sport, 53);
  EXPECT_EQ(p.tuple.dport, 5353);
}

TEST(Parse, EthernetPaddingIsIgnored) {
  Bytes frame = FrameBuilder().ipv4(kA, kB).udp(1, 2).build();
  frame.resize(60, 0);  // minimum Ethernet frame
  ParsedPacket p;
  ASSERT_EQ(parse(frame, p), DropReason::none);
  EXPECT_EQ(p.l4_length, 8);
}

TEST(Parse, Ipv6Udp) {
  Bytes f = FrameBuilder().ipv6(kA6, kB6).udp(1000, 53).payload(10).build();
  ParsedPacket p;
  ASSERT_EQ(parse(f, p), DropReason::none);
  EXPECT_EQ(p.l3, L3Kind::ipv6);
  EXPECT_EQ(p.tuple.src, kA6);
  EXPECT_EQ(p.tuple.dst, kB6);
  EXPECT_EQ(p.tuple.ip_proto, ip_proto::udp);
  EXPECT_EQ(p.l4_offset, 54);
  EXPECT_EQ(p.l4_length, 18);
  EXPECT_EQ(p.tuple.dport, 53);
}

TEST(Parse, Sctp) {
  Bytes f = FrameBuilder().ipv4(kA, kB).sctp(5000, 3868, sctp_chunk::init).build();
  ParsedPacket p;
  ASSERT_EQ(parse(f, p), DropReason::none);
  EXPECT_EQ(p.tuple.ip_proto, ip_proto::sctp);
  EXPECT_EQ(p.tuple.sport, 5000);
  EXPECT_EQ(p.tuple.dport, 3868);
  EXPECT_EQ(p.sctp_first_chunk, sctp_chunk::init);
}

TEST(Parse, IcmpEcho) {
  Bytes f = FrameBuilder().ipv4(kA, kB).icmp4(8, 0, 0x4242, 1).payload(56).build();
  ParsedPacket p;
  ASSERT_EQ(parse(f, p), DropReason::none);
  EXPECT_EQ(p.tuple.icmp_kind, IcmpKind::request);
  EXPECT_EQ(p.tuple.icmp_type, 8);
  EXPECT_EQ(p.tuple.icmp_id, 0x4242);
  EXPECT_FALSE(p.tuple.has_ports);

  Bytes r = FrameBuilder().ipv6(kB6, kA6).icmp6(129, 0, 7, 1).build();
  ASSERT_EQ(parse(r, p), DropReason::none);
  EXPECT_EQ(p.tuple.icmp_kind, IcmpKind::reply);
  EXPECT_EQ(p.tuple.icmp_id, 7);
}

TEST(Parse, IcmpErrorCarriesInnerTuple) {
  Bytes inner = FrameBuilder(true).ipv4(kA, kB).tcp(40000, 80, tcp_flag::syn).build();
  inner.resize(20 + 8);  // an error quotes the IP header plus 8 bytes
  Bytes f = FrameBuilder().ipv4(kB, kA).icmp4(3, 3).raw(inner).build();
  ParsedPacket p;
  ASSERT_EQ(parse(f, p), DropReason::none);
  EXPECT_EQ(p.tuple.icmp_kind, IcmpKind::error);
  EXPECT_EQ(p.icmp_code, 3);
  ASSERT_TRUE(p.has_inner);
  EXPECT_EQ(p.inner.src, kA);
  EXPECT_EQ(p.inner.dst, kB);
  EXPECT_EQ(p.inner.ip_proto, ip_proto::tcp);
  EXPECT_TRUE(p.inner.has_ports);
  EXPECT_EQ(p.inner.sport, 40000);
  EXPECT_EQ(p.inner.dport, 80);
}

TEST(Parse, Icmp6PacketTooBigCarriesInnerTupleThroughExtensions) {
  Bytes inner = FrameBuilder(true).ipv6(kA6, kB6).ext(ip_proto::dest_options).udp(5000, 53).build();
  Bytes f = FrameBuilder().ipv6(kB6, kA6).icmp6(2, 0).raw(inner).build();
  ParsedPacket p;
  ASSERT_EQ(parse(f, p), DropReason::none);
  ASSERT_TRUE(p.has_inner);
  EXPECT_EQ(p.inner.ip_proto, ip_proto::udp);
  EXPECT_EQ(p.inner.sport, 5000);
  EXPECT_EQ(p.inner.dport, 53);
}

TEST(Parse, IcmpErrorAboutEchoCarriesId) {
  Bytes inner = FrameBuilder(true).ipv4(kA, kB).icmp4(8, 0, 99, 1).build();
  Bytes f = FrameBuilder().ipv4(kB, kA).icmp4(11, 0).raw(inner).build();
  ParsedPacket p;
  ASSERT_EQ(parse(f, p), DropReason::none);
  EXPECT_EQ(p.inner.icmp_kind, IcmpKind::request);
  EXPECT_EQ(p.inner.icmp_id, 99);
}

TEST(Parse, IcmpErrorWithBrokenInnerIsDropped) {
  ParsedPacket p;
  // Inner too short for an IP header.
  Bytes f1 = FrameBuilder().ipv4(kB, kA).icmp4(3, 1).payload(12).build();
  EXPECT_EQ(parse(f1, p), DropReason::bad_icmp_error);
  // Inner of the wrong IP version.
  Bytes inner6 = FrameBuilder(true).ipv6(kA6, kB6).udp(1, 2).build();
  Bytes f2 = FrameBuilder().ipv4(kB, kA).icmp4(3, 1).raw(inner6).build();
  EXPECT_EQ(parse(f2, p), DropReason::bad_icmp_error);
  // Inner TCP cut before its ports.
  Bytes inner = FrameBuilder(true).ipv4(kA, kB).tcp(1, 2, tcp_flag::ack).build();
  inner.resize(20 + 4);
  Bytes f3 = FrameBuilder().ipv4(kB, kA).icmp4(3, 1).raw(inner).build();
  EXPECT_EQ(parse(f3, p), DropReason::bad_icmp_error);
}

TEST(Parse, VlanAndQinq) {
  ParsedPacket p;
  Bytes one = FrameBuilder().vlan(0x8100, 0x2064).ipv4(kA, kB).udp(1, 2).build();
  ASSERT_EQ(parse(one, p), DropReason::none);
  EXPECT_EQ(p.vlan_count, 1);
  EXPECT_EQ(p.vlans[0].tpid, 0x8100);
  EXPECT_EQ(p.vlans[0].vid(), 100);
  EXPECT_EQ(p.l3_offset, 18);
  EXPECT_EQ(p.tuple.dport, 2);

  Bytes two =
      FrameBuilder().vlan(0x88a8, 7).vlan(0x8100, 100).ipv6(kA6, kB6).tcp(1, 443, 2).build();
  ASSERT_EQ(parse(two, p), DropReason::none);
  EXPECT_EQ(p.vlan_count, 2);
  EXPECT_EQ(p.vlans[0].tpid, 0x88a8);
  EXPECT_EQ(p.vlans[0].vid(), 7);
  EXPECT_EQ(p.vlans[1].vid(), 100);
  EXPECT_EQ(p.l3_offset, 22);
  EXPECT_EQ(p.tuple.dport, 443);

  Bytes three =
      FrameBuilder().vlan(0x88a8, 1).vlan(0x8100, 2).vlan(0x8100, 3).ipv4(kA, kB).udp(1, 2).build();
  EXPECT_EQ(parse(three, p), DropReason::too_many_vlan_tags);
}

TEST(Parse, ArpIsLinkControl) {
  ParsedPacket p;
  Bytes f = FrameBuilder().arp().build();
  ASSERT_EQ(parse(f, p), DropReason::none);
  EXPECT_EQ(p.l3, L3Kind::arp);
  EXPECT_TRUE(p.l2_control);
  Bytes tagged = FrameBuilder().vlan(0x8100, 5).arp().build();
  ASSERT_EQ(parse(tagged, p), DropReason::none);
  EXPECT_TRUE(p.l2_control);
}

TEST(Parse, NeighbourDiscoveryIsLinkControlOnlyWithHopLimit255) {
  ParsedPacket p;
  for (uint8_t type : {133, 134, 135, 136, 137}) {
    Bytes f = FrameBuilder().ipv6(kA6, kB6, {.hop_limit = 255}).icmp6(type, 0).payload(16).build();
    ASSERT_EQ(parse(f, p), DropReason::none);
    EXPECT_TRUE(p.l2_control) << int(type);
    Bytes routed = FrameBuilder().ipv6(kA6, kB6, {.hop_limit = 64}).icmp6(type, 0).build();
    ASSERT_EQ(parse(routed, p), DropReason::none);
    EXPECT_FALSE(p.l2_control) << int(type);
  }
  Bytes mld = FrameBuilder().ipv6(kA6, kB6, {.hop_limit = 1}).ext(0).icmp6(143, 0).build();
  ASSERT_EQ(parse(mld, p), DropReason::none);
  EXPECT_TRUE(p.l2_control);
}

TEST(Parse, UnknownEthertypeIsFlaggedNotDropped) {
  ParsedPacket p;
  Bytes lldp = FrameBuilder().ethertype(0x88cc).payload(30).build();
  ASSERT_EQ(parse(lldp, p), DropReason::none);
  EXPECT_EQ(p.l3, L3Kind::other);
  EXPECT_EQ(p.ethertype, 0x88cc);
  Bytes llc = FrameBuilder().ethertype(46).payload(46).build();  // 802.3 length field
  ASSERT_EQ(parse(llc, p), DropReason::none);
  EXPECT_EQ(p.l3, L3Kind::other);
}

TEST(Parse, BadIpv4Headers) {
  ParsedPacket p;
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB, {.version = 5}).udp(1, 2).build(), p),
            DropReason::bad_ipv4_version);
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB, {.version = 6}).udp(1, 2).build(), p),
            DropReason::bad_ipv4_version);
  for (uint8_t ihl = 0; ihl < 5; ++ihl) {
    EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB, {.ihl_words = ihl}).udp(1, 2).build(), p),
              DropReason::bad_ipv4_ihl)
        << int(ihl);
  }
  // IHL 15 (60 bytes) but only 28 bytes of IP in the frame.
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB, {.ihl_words = 15}).udp(1, 2).build(), p),
            DropReason::truncated_ipv4);
  // Total length shorter than the header, and longer than the frame.
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB, {.total_length = 19}).udp(1, 2).build(), p),
            DropReason::bad_ipv4_total_length);
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB, {.total_length = 29}).udp(1, 2).build(), p),
            DropReason::bad_ipv4_total_length);
  // Total length shorter than what follows: the rest is padding, so the UDP header is cut.
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB, {.total_length = 24}).udp(1, 2).build(), p),
            DropReason::truncated_l4);
}

TEST(Parse, BadIpv6Headers) {
  ParsedPacket p;
  EXPECT_EQ(parse(FrameBuilder().ipv6(kA6, kB6, {.version = 4}).udp(1, 2).build(), p),
            DropReason::bad_ipv6_version);
  EXPECT_EQ(parse(FrameBuilder().ipv6(kA6, kB6, {.payload_length = 9}).udp(1, 2).build(), p),
            DropReason::bad_ipv6_payload_length);
}

TEST(Parse, TcpDataOffset) {
  ParsedPacket p;
  for (uint8_t words = 0; words < 5; ++words) {
    EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB).tcp(1, 2, 2, words).build(), p),
              DropReason::bad_tcp_data_offset);
  }
  Bytes with_options = FrameBuilder().ipv4(kA, kB).tcp(1, 2, 2, 15).build();
  ASSERT_EQ(parse(with_options, p), DropReason::none);
  EXPECT_EQ(p.l4_length, 60);
  // Data offset claims 60 bytes, the segment has 20.
  Bytes lying = FrameBuilder().ipv4(kA, kB).tcp(1, 2, 2).build();
  lying[14 + 20 + 12] = 0xf0;
  EXPECT_EQ(parse(lying, p), DropReason::bad_tcp_data_offset);
}

TEST(Parse, UdpLength) {
  ParsedPacket p;
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB).udp(1, 2, 7).build(), p), DropReason::bad_udp_length);
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB).udp(1, 2, 20).payload(4).build(), p),
            DropReason::bad_udp_length);
  EXPECT_EQ(parse(FrameBuilder().ipv4(kA, kB).udp(1, 2, 8).payload(4).build(), p),
            DropReason::none);
}

TEST(Parse, OtherProtocolHasNoPorts) {
  ParsedPacket p;
  Bytes gre = FrameBuilder().ipv4(kA, kB).protocol(47).payload(20).build();
  ASSERT_EQ(parse(gre, p), DropReason::none);
  EXPECT_EQ(p.tuple.ip_proto, 47);
  EXPECT_FALSE(p.tuple.has_ports);
  EXPECT_FALSE(p.has_l4());
  // ICMPv4 inside IPv6 is just a protocol number there.
  Bytes odd = FrameBuilder().ipv6(kA6, kB6).icmp4(8, 0).build();
  ASSERT_EQ(parse(odd, p), DropReason::none);
  EXPECT_EQ(p.tuple.ip_proto, ip_proto::icmp);
  EXPECT_EQ(p.tuple.icmp_kind, IcmpKind::none);
}

TEST(Parse, DropReasonNamesAreDistinct) {
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    std::string name = drop_reason_name(DropReason(i));
    EXPECT_NE(name, "unknown");
    for (size_t j = 0; j < i; ++j) EXPECT_NE(name, drop_reason_name(DropReason(j)));
  }
  EXPECT_STREQ(drop_reason_name(DropReason::count_), "unknown");
  EXPECT_STREQ(drop_reason_name(DropReason::tiny_fragment), "tiny_fragment");
}

}  // namespace
}  // namespace podwall
