// decide(): conntrack and policy together, with a stand-in policy (firewall_fixture.h).

#include <gtest/gtest.h>

#include "dataplane/conntrack/firewall.h"
#include "tests/unit/packet/firewall_fixture.h"

namespace podwall {
namespace {

using namespace tcp_flag;
using test::Bytes;
using test::FrameBuilder;
using test::ip;
using test::tcp4;
using test::tcp6;
using test::udp4;

const IpAddress kClient = ip("198.18.0.10");
const IpAddress kWeb = ip("198.18.0.20");
const IpAddress kRogue = ip("198.18.0.30");
const IpAddress kRouter = ip("198.18.0.1");
const IpAddress kClient6 = ip("2001:db8::10");
const IpAddress kWeb6 = ip("2001:db8::20");

class Firewall : public test::FirewallTest {
 protected:
  void SetUp() override {
    tables.allow(kClient, kWeb, ip_proto::tcp, 80);
    tables.allow(kClient6, kWeb6, ip_proto::tcp, 80);
    tables.allow(kClient, kWeb, ip_proto::udp, 53);
    tables.allow(kClient, kWeb, ip_proto::icmp);
    tables.allow(kClient, kWeb, ip_proto::sctp, 3868);
    tables.allow(kClient, kWeb, 47);  // GRE
  }
  // Client -> web:80 handshake, established.
  void connect(uint16_t sport = 40000) {
    ASSERT_TRUE(send(tcp4(kClient, kWeb, sport, 80, syn)).passed());
    ASSERT_TRUE(send(tcp4(kWeb, kClient, 80, sport, syn | ack)).passed());
    ASSERT_TRUE(send(tcp4(kClient, kWeb, sport, 80, ack)).passed());
  }
  FlowEntry* entry_for(const Bytes& frame) {
    ParsedPacket p;
    EXPECT_EQ(parse_packet(frame.data(), uint32_t(frame.size()), p), DropReason::none);
    bool lo;
    return flows.find(make_flow_key(p.tuple, lo), now);
  }
};

TEST_F(Firewall, NothingPassesBeforeTheFirstTables) {
  ready = false;
  EXPECT_EQ(send(FrameBuilder().arp().build()).reason, DropReason::tables_not_ready);
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 80, syn)).reason, DropReason::tables_not_ready);
  EXPECT_EQ(counters.dropped, 2u);
  EXPECT_EQ(flows.size(), 0u);
}

TEST_F(Firewall, LinkControlPasses) {
  EXPECT_TRUE(send(FrameBuilder().arp().build()).passed());
  EXPECT_TRUE(send(FrameBuilder().ipv6(kClient6, kWeb6, {.hop_limit = 255}).icmp6(135, 0).build())
                  .passed());
  EXPECT_EQ(counters.l2_control_passed, 2u);
  EXPECT_EQ(tables.calls, 0);
}

TEST_F(Firewall, UnknownEthertypePerConfig) {
  Bytes lldp = FrameBuilder().ethertype(0x88cc).payload(40).build();
  EXPECT_EQ(send(lldp).reason, DropReason::unknown_ethertype);
  config.pass_unknown_ethertypes = true;
  EXPECT_TRUE(send(lldp).passed());
  EXPECT_EQ(counters.unknown_ethertype_passed, 1u);
}

TEST_F(Firewall, MalformedFramesAreCountedUnderTheirReason) {
  Bytes f = tcp4(kClient, kWeb, 1, 80, syn);
  f.resize(30);
  EXPECT_EQ(send(f).reason, DropReason::truncated_ipv4);
  EXPECT_EQ(dropped(DropReason::truncated_ipv4), 1u);
}

TEST_F(Firewall, AllowedConnectionFlowsBothWays) {
  connect();
  EXPECT_EQ(counters.flows_allowed, 1u);
  EXPECT_EQ(tables.calls, 1);  // only the SYN was judged
  EXPECT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, ack | psh)).passed());
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, ack | psh)).passed());
  FlowEntry* e = entry_for(tcp4(kClient, kWeb, 40000, 80, ack));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state, FlowState::tcp_established);
  EXPECT_EQ(counters.passed, 5u);
  EXPECT_EQ(counters.conntrack_entries, 1u);
}

TEST_F(Firewall, Ipv6ConnectionFlowsBothWays) {
  EXPECT_TRUE(send(tcp6(kClient6, kWeb6, 40000, 80, syn)).passed());
  EXPECT_TRUE(send(tcp6(kWeb6, kClient6, 80, 40000, syn | ack)).passed());
  EXPECT_EQ(send(tcp6(kWeb6, kClient6, 80, 40001, syn | ack)).reason, DropReason::no_flow);
}

TEST_F(Firewall, DeniedConnectionsAreDropped) {
  EXPECT_EQ(send(tcp4(kRogue, kWeb, 40000, 80, syn)).reason, DropReason::policy_denied);
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 81, syn)).reason, DropReason::policy_denied);
  // The reverse direction of an allowed pair is a different connection.
  EXPECT_EQ(send(tcp4(kWeb, kClient, 80, 40000, syn)).reason, DropReason::policy_denied);
  EXPECT_EQ(counters.flows_denied, 3u);
  EXPECT_EQ(flows.size(), 0u);
}

TEST_F(Firewall, FlagCombinationsThatNeverCreateState) {
  const uint8_t invalid[] = {0,   syn | fin, syn | rst,      syn | fin | rst, fin, fin | psh | urg,
                             psh, urg,       syn | fin | ack};
  for (uint8_t f : invalid) {
    EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 80, f)).reason, DropReason::bad_tcp_flags) << int(f);
  }
  const uint8_t not_openers[] = {ack, syn | ack, fin | ack, rst, rst | ack, ack | psh};
  for (uint8_t f : not_openers) {
    EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 80, f)).reason, DropReason::no_flow) << int(f);
  }
  EXPECT_EQ(flows.size(), 0u);
  EXPECT_EQ(tables.calls, 0);
  // ECN-setup SYN is a pure SYN.
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, syn | ece | cwr)).passed());
}

TEST_F(Firewall, InvalidFlagsAreDroppedOnEstablishedFlowsToo) {
  connect();
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 80, syn | fin)).reason, DropReason::bad_tcp_flags);
  EXPECT_EQ(send(tcp4(kWeb, kClient, 80, 40000, 0)).reason, DropReason::bad_tcp_flags);
  EXPECT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, ack)).passed());
}

TEST_F(Firewall, FinFromBothSidesClosesAfterAShortLinger) {
  connect();
  ASSERT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, fin | ack)).passed());
  EXPECT_EQ(entry_for(tcp4(kClient, kWeb, 40000, 80, ack))->state, FlowState::tcp_fin_wait);
  ASSERT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, fin | ack)).passed());
  EXPECT_EQ(entry_for(tcp4(kClient, kWeb, 40000, 80, ack))->state, FlowState::closed);
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, ack)).passed());  // the last ACK
  advance_seconds(11);
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 80, ack)).reason, DropReason::no_flow);
  EXPECT_EQ(flows.size(), 0u);
}

TEST_F(Firewall, RstClosesAndANewSynReopensUnderPolicy) {
  connect();
  ASSERT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, rst)).passed());
  EXPECT_EQ(entry_for(tcp4(kClient, kWeb, 40000, 80, ack))->state, FlowState::closed);
  int calls = tables.calls;
  // Port reuse right away: the SYN is judged again, not waved through by the old entry.
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, syn)).passed());
  EXPECT_EQ(tables.calls, calls + 1);
  EXPECT_EQ(entry_for(tcp4(kClient, kWeb, 40000, 80, ack))->state, FlowState::tcp_syn_sent);
}

TEST_F(Firewall, UnansweredSynTimesOut) {
  ASSERT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, syn)).passed());
  advance_seconds(29);
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, syn)).passed());  // retransmit refreshes
  advance_seconds(29);
  EXPECT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, syn | ack)).passed());
  advance_seconds(31);
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 80, ack)).reason, DropReason::no_flow);
  EXPECT_EQ(counters.flows_expired, 1u);
}

TEST_F(Firewall, EstablishedIdleTimeout) {
  connect();
  advance_seconds(23 * 3600);
  EXPECT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, ack)).passed());
  advance_seconds(24 * 3600 + 1);
  EXPECT_EQ(send(tcp4(kWeb, kClient, 80, 40000, ack)).reason, DropReason::no_flow);
}

TEST_F(Firewall, UdpRepliesAndTimeouts) {
  ASSERT_TRUE(send(udp4(kClient, kWeb, 5353, 53)).passed());
  EXPECT_TRUE(send(udp4(kWeb, kClient, 53, 5353)).passed());
  EXPECT_EQ(send(udp4(kWeb, kClient, 53, 5354)).reason, DropReason::policy_denied);
  advance_seconds(179);
  EXPECT_TRUE(send(udp4(kWeb, kClient, 53, 5353)).passed());
  advance_seconds(181);
  EXPECT_EQ(send(udp4(kWeb, kClient, 53, 5353)).reason, DropReason::policy_denied);

  // Unreplied flows last 30 s.
  ASSERT_TRUE(send(udp4(kClient, kWeb, 6000, 53)).passed());
  advance_seconds(31);
  EXPECT_EQ(send(udp4(kWeb, kClient, 53, 6000)).reason, DropReason::policy_denied);
}

TEST_F(Firewall, IcmpEchoIsTrackedById) {
  Bytes request = FrameBuilder().ipv4(kClient, kWeb).icmp4(8, 0, 77, 1).build();
  Bytes reply = FrameBuilder().ipv4(kWeb, kClient).icmp4(0, 0, 77, 1).build();
  EXPECT_EQ(send(reply).reason, DropReason::no_flow);
  EXPECT_TRUE(send(request).passed());
  EXPECT_TRUE(send(reply).passed());
  EXPECT_EQ(send(FrameBuilder().ipv4(kWeb, kClient).icmp4(0, 0, 78, 1).build()).reason,
            DropReason::no_flow);
  // A request the other way, even with the same id, is its own flow and meets the policy.
  EXPECT_EQ(send(FrameBuilder().ipv4(kWeb, kClient).icmp4(8, 0, 77, 1).build()).reason,
            DropReason::policy_denied);
  advance_seconds(31);
  EXPECT_EQ(send(reply).reason, DropReason::no_flow);
}

TEST_F(Firewall, IcmpErrorsPassOnlyForTrackedFlows) {
  ASSERT_TRUE(send(udp4(kClient, kWeb, 5353, 53)).passed());
  auto quote = [](const IpAddress& s, const IpAddress& d, uint16_t sp, uint16_t dp) {
    Bytes inner = FrameBuilder(true).ipv4(s, d).udp(sp, dp).build();
    return inner;
  };
  auto error = [&](const IpAddress& from, const IpAddress& to, const Bytes& inner) {
    return FrameBuilder().ipv4(from, to).icmp4(3, 3).raw(inner).build();
  };
  // Port unreachable from the server, and TTL exceeded from a router: both go to the client.
  EXPECT_TRUE(send(error(kWeb, kClient, quote(kClient, kWeb, 5353, 53))).passed());
  EXPECT_TRUE(send(FrameBuilder()
                       .ipv4(kRouter, kClient)
                       .icmp4(11, 0)
                       .raw(quote(kClient, kWeb, 5353, 53))
                       .build())
                  .passed());
  // An error about the reply direction goes to the server.
  EXPECT_TRUE(send(error(kClient, kWeb, quote(kWeb, kClient, 53, 5353))).passed());
  EXPECT_EQ(counters.icmp_errors_related, 3u);
  // Unrelated: unknown flow, or aimed at someone who did not send the quoted packet.
  EXPECT_EQ(send(error(kWeb, kClient, quote(kClient, kWeb, 5354, 53))).reason,
            DropReason::icmp_error_unrelated);
  EXPECT_EQ(send(error(kRogue, kWeb, quote(kClient, kWeb, 5353, 53))).reason,
            DropReason::icmp_error_unrelated);
  EXPECT_EQ(flows.size(), 1u);
}

TEST_F(Firewall, Icmp6ErrorsRelateToTrackedFlows) {
  ASSERT_TRUE(send(tcp6(kClient6, kWeb6, 40000, 80, syn)).passed());
  Bytes inner = FrameBuilder(true).ipv6(kClient6, kWeb6).tcp(40000, 80, syn).build();
  EXPECT_TRUE(send(FrameBuilder().ipv6(kWeb6, kClient6).icmp6(2, 0).raw(inner).build()).passed());
  Bytes other = FrameBuilder(true).ipv6(kClient6, kWeb6).tcp(40001, 80, syn).build();
  EXPECT_EQ(send(FrameBuilder().ipv6(kWeb6, kClient6).icmp6(1, 4).raw(other).build()).reason,
            DropReason::icmp_error_unrelated);
}

TEST_F(Firewall, IcmpErrorAboutAnEchoRelatesToIt) {
  ASSERT_TRUE(send(FrameBuilder().ipv4(kClient, kWeb).icmp4(8, 0, 5, 1).build()).passed());
  Bytes inner = FrameBuilder(true).ipv4(kClient, kWeb).icmp4(8, 0, 5, 1).build();
  EXPECT_TRUE(send(FrameBuilder().ipv4(kRouter, kClient).icmp4(11, 0).raw(inner).build()).passed());
}

TEST_F(Firewall, SctpInitOpensAndAbortCloses) {
  EXPECT_EQ(send(FrameBuilder().ipv4(kClient, kWeb).sctp(5000, 3868, 0).build()).reason,
            DropReason::no_flow);  // DATA without association
  ASSERT_TRUE(
      send(FrameBuilder().ipv4(kClient, kWeb).sctp(5000, 3868, sctp_chunk::init).build()).passed());
  EXPECT_TRUE(send(FrameBuilder().ipv4(kWeb, kClient).sctp(3868, 5000, 2).build()).passed());
  EXPECT_TRUE(send(FrameBuilder().ipv4(kWeb, kClient).sctp(3868, 5000, sctp_chunk::abort).build())
                  .passed());
  advance_seconds(11);
  EXPECT_EQ(send(FrameBuilder().ipv4(kWeb, kClient).sctp(3868, 5000, 0).build()).reason,
            DropReason::no_flow);
}

TEST_F(Firewall, ProtocolsWithoutPortsAreTrackedByAddressPair) {
  Bytes gre = FrameBuilder().ipv4(kClient, kWeb).protocol(47).payload(24).build();
  Bytes back = FrameBuilder().ipv4(kWeb, kClient).protocol(47).payload(24).build();
  EXPECT_TRUE(send(gre).passed());
  EXPECT_TRUE(send(back).passed());
  EXPECT_EQ(send(FrameBuilder().ipv4(kRogue, kWeb).protocol(47).payload(24).build()).reason,
            DropReason::policy_denied);
}

TEST_F(Firewall, RecheckCutsAFlowTheNewTablesDeny) {
  connect();
  tables.allowed.clear();
  ++generation;
  EXPECT_EQ(send(tcp4(kWeb, kClient, 80, 40000, ack)).reason, DropReason::policy_revoked);
  EXPECT_EQ(counters.flows_revoked, 1u);
  EXPECT_EQ(flows.size(), 0u);
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40000, 80, ack)).reason, DropReason::no_flow);
}

TEST_F(Firewall, RecheckJudgesTheOriginalDirectionOnce) {
  connect();
  int calls = tables.calls;
  ++generation;  // same rules, new generation
  // A reply triggers the recheck, which must ask about client -> web:80, not web -> client.
  EXPECT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, ack)).passed());
  EXPECT_EQ(tables.calls, calls + 1);
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, ack)).passed());
  EXPECT_EQ(tables.calls, calls + 1);  // generation recorded: no second recheck
  EXPECT_EQ(counters.flows_rechecked, 1u);
  EXPECT_EQ(entry_for(tcp4(kClient, kWeb, 40000, 80, ack))->generation, generation);
}

TEST_F(Firewall, KeepModeKeepsEstablishedFlows) {
  config.established = EstablishedMode::keep;
  connect();
  tables.allowed.clear();
  ++generation;
  EXPECT_TRUE(send(tcp4(kWeb, kClient, 80, 40000, ack)).passed());
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 40000, 80, ack)).passed());
  // New connections meet the new tables.
  EXPECT_EQ(send(tcp4(kClient, kWeb, 40001, 80, syn)).reason, DropReason::policy_denied);
}

TEST_F(Firewall, RecheckAlsoAppliesToRelatedIcmpErrors) {
  ASSERT_TRUE(send(udp4(kClient, kWeb, 5353, 53)).passed());
  tables.allowed.clear();
  ++generation;
  Bytes inner = FrameBuilder(true).ipv4(kClient, kWeb).udp(5353, 53).build();
  EXPECT_EQ(send(FrameBuilder().ipv4(kWeb, kClient).icmp4(3, 3).raw(inner).build()).reason,
            DropReason::policy_revoked);
}

TEST_F(Firewall, VlanTaggedTrafficMeetsThePolicyOfItsInnerPacket) {
  Bytes denied =
      FrameBuilder().vlan(0x88a8, 1).vlan(0x8100, 2).ipv4(kRogue, kWeb).tcp(1, 80, syn).build();
  EXPECT_EQ(send(denied).reason, DropReason::policy_denied);
  Bytes allowed = FrameBuilder().vlan(0x8100, 2).ipv4(kClient, kWeb).tcp(40000, 80, syn).build();
  EXPECT_TRUE(send(allowed).passed());
}

TEST_F(Firewall, ExpireStateSweepsIdleFlows) {
  for (uint16_t p = 1; p <= 10; ++p) ASSERT_TRUE(send(udp4(kClient, kWeb, p, 53)).passed());
  EXPECT_EQ(flows.size(), 10u);
  advance_seconds(31);
  // Entries sit at the front of the pool, so a budget of 4 reaches exactly 4 of them.
  expire_state(flows, fragments, now, 4, counters);
  EXPECT_EQ(flows.size(), 6u);
  EXPECT_EQ(counters.conntrack_entries, 6u);
  expire_state(flows, fragments, now, 2000, counters);
  EXPECT_EQ(flows.size(), 0u);
  EXPECT_EQ(counters.flows_expired, 10u);
}

class FullFirewall : public test::FirewallTest {
 protected:
  FullFirewall() : FirewallTest(4) {}
  void SetUp() override { tables.allow(kClient, kWeb, ip_proto::tcp, 80); }
};

TEST_F(FullFirewall, NewFlowsAreDroppedExistingOnesKeepWorking) {
  for (uint16_t p = 1; p <= 4; ++p) ASSERT_TRUE(send(tcp4(kClient, kWeb, p, 80, syn)).passed());
  EXPECT_EQ(flows.size(), 4u);
  for (uint16_t p = 5; p <= 50; ++p) {
    EXPECT_EQ(send(tcp4(kClient, kWeb, p, 80, syn)).reason, DropReason::conntrack_full);
  }
  EXPECT_EQ(dropped(DropReason::conntrack_full), 46u);
  EXPECT_EQ(counters.conntrack_entries, 4u);
  EXPECT_EQ(counters.conntrack_capacity, 4u);
  for (uint16_t p = 1; p <= 4; ++p) {
    EXPECT_TRUE(send(tcp4(kWeb, kClient, 80, p, syn | ack)).passed());
    EXPECT_TRUE(send(tcp4(kClient, kWeb, p, 80, ack)).passed());
  }
  // Once a flow closes and lingers out, there is room again.
  ASSERT_TRUE(send(tcp4(kClient, kWeb, 1, 80, rst)).passed());
  advance_seconds(11);
  EXPECT_TRUE(send(tcp4(kClient, kWeb, 99, 80, syn)).passed());
}

}  // namespace
}  // namespace podwall
