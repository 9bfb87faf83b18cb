// Symmetric flow distribution: both directions, fragments and related ICMP errors of a flow
// must reach the same worker, or per-worker conntrack breaks.
#include "dataplane/runtime/flow_owner.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace podwall {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = uint8_t(v >> 8);
  b[at + 1] = uint8_t(v);
}

Bytes ethernet(uint16_t ethertype) {
  Bytes b(14, 0);
  b[0] = 0x02, b[5] = 0x01;   // dst 02:00:00:00:00:01
  b[6] = 0x02, b[11] = 0x02;  // src 02:00:00:00:00:02
  put16(b, 12, ethertype);
  return b;
}

// An IPv4 header (no options) with `payload` after it.
Bytes ipv4(uint32_t src, uint32_t dst, uint8_t proto, const Bytes& payload,
           uint16_t frag_field = 0) {
  Bytes h(20, 0);
  h[0] = 0x45;
  put16(h, 2, uint16_t(20 + payload.size()));
  put16(h, 4, 0x1234);
  put16(h, 6, frag_field);
  h[8] = 64;
  h[9] = proto;
  for (int i = 0; i < 4; ++i) {
    h[12 + i] = uint8_t(src >> (24 - 8 * i));
    h[16 + i] = uint8_t(dst >> (24 - 8 * i));
  }
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += uint32_t(h[i]) << 8 | h[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put16(h, 10, uint16_t(~sum));
  h.insert(h.end(), payload.begin(), payload.end());
  return h;
}

Bytes udp(uint16_t sport, uint16_t dport) {
  Bytes u(8 + 8, 0xab);
  put16(u, 0, sport);
  put16(u, 2, dport);
  put16(u, 4, uint16_t(u.size()));
  put16(u, 6, 0);
  return u;
}

Bytes frame(const Bytes& l3, uint16_t ethertype = 0x0800) {
  Bytes f = ethernet(ethertype);
  f.insert(f.end(), l3.begin(), l3.end());
  return f;
}

constexpr uint32_t kA = 0xc612fa01;  // 198.18.250.1
constexpr uint32_t kB = 0xc612fa02;  // 198.18.250.2

unsigned owner(const FlowOwner& o, const Bytes& f) {
  ParsedPacket scratch;
  return o.owner(f.data(), uint32_t(f.size()), scratch);
}

TEST(FlowOwner, OneWorkerOwnsEverything) {
  FlowOwner o(1, 42);
  EXPECT_EQ(owner(o, frame(ipv4(kA, kB, 17, udp(1000, 53)))), 0u);
  EXPECT_EQ(owner(o, ethernet(0x0806)), 0u);
}

TEST(FlowOwner, BothDirectionsMeet) {
  for (uint64_t seed : {1ull, 2ull, 0xdeadbeefull}) {
    FlowOwner o(4, seed);
    for (uint32_t i = 0; i < 200; ++i) {
      uint32_t a = 0xc6120000 + i, b = 0xc6130000 + 7 * i + 3;
      unsigned forward = owner(o, frame(ipv4(a, b, 17, udp(1000 + i, 53))));
      unsigned reverse = owner(o, frame(ipv4(b, a, 17, udp(53, 1000 + i))));
      ASSERT_LT(forward, 4u);
      EXPECT_EQ(forward, reverse) << "pair " << i;
    }
  }
}

Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags) {
  Bytes t(20, 0);
  put16(t, 0, sport);
  put16(t, 2, dport);
  t[12] = 5 << 4;
  t[13] = flags;
  return t;
}

// A connection's SYN (read by the parser) and its ACKs (read by the express lane) must reach
// the same worker, or the ACKs find no flow.
TEST(FlowOwner, EveryFrameOfAConnectionMeetsWhicheverWayItIsRead) {
  constexpr uint8_t kSyn = 0x02, kAck = 0x10, kPsh = 0x08;
  for (uint64_t seed : {1ull, 99ull}) {
    FlowOwner o(4, seed);
    std::set<unsigned> seen;
    for (uint32_t i = 0; i < 200; ++i) {
      uint32_t a = 0xc6120000 + 13 * i, b = 0xc6130000 + i;
      unsigned syn = owner(o, frame(ipv4(a, b, 6, tcp(40000, 80, kSyn))));
      unsigned syn_ack = owner(o, frame(ipv4(b, a, 6, tcp(80, 40000, kSyn | kAck))));
      unsigned ack = owner(o, frame(ipv4(a, b, 6, tcp(40000, 80, kAck))));
      unsigned reply = owner(o, frame(ipv4(b, a, 6, tcp(80, 40000, kAck | kPsh))));
      ASSERT_LT(syn, 4u);
      EXPECT_EQ(syn_ack, syn) << "pair " << i;
      EXPECT_EQ(ack, syn) << "pair " << i;
      EXPECT_EQ(reply, syn) << "pair " << i;
      seen.insert(syn);
    }
    EXPECT_EQ(seen.size(), 4u);
  }
}

TEST(FlowOwner, SpreadsPairsOverWorkers) {
  FlowOwner o(4, 7);
  std::set<unsigned> seen;
  for (uint32_t i = 0; i < 64; ++i)
    seen.insert(owner(o, frame(ipv4(kA + i, kB + 1000 + i, 17, udp(1, 2)))));
  EXPECT_EQ(seen.size(), 4u);
}

TEST(FlowOwner, FragmentsFollowTheirFirstFragment) {
  FlowOwner o(8, 3);
  unsigned first = owner(o, frame(ipv4(kA, kB, 17, udp(1000, 53), 0x2000)));  // MF, offset 0
  Bytes tail(16, 0xcd);
  unsigned later = owner(o, frame(ipv4(kA, kB, 17, tail, 0x0003)));  // offset 24 bytes, last
  ASSERT_LT(first, 8u);
  EXPECT_EQ(first, later);
}

TEST(FlowOwner, IcmpErrorsFollowTheFlowTheyQuote) {
  FlowOwner o(8, 11);
  // a -> b UDP, and a router r answering "port unreachable" to a about it.
  Bytes original = ipv4(kA, kB, 17, udp(1000, 53));
  Bytes icmp = {3, 3, 0, 0, 0, 0, 0, 0};
  icmp.insert(icmp.end(), original.begin(), original.begin() + 28);
  constexpr uint32_t kRouter = 0xc612fafe;
  unsigned flow = owner(o, frame(original));
  unsigned error = owner(o, frame(ipv4(kRouter, kA, 1, icmp)));
  ASSERT_LT(flow, 8u);
  EXPECT_EQ(flow, error);
}

TEST(FlowOwner, StatelessFramesStayWhereReceived) {
  FlowOwner o(4, 5);
  Bytes arp = ethernet(0x0806);
  Bytes body(28, 0);
  put16(body, 0, 1), put16(body, 2, 0x0800), body[4] = 6, body[5] = 4, put16(body, 6, 1);
  arp.insert(arp.end(), body.begin(), body.end());
  EXPECT_EQ(owner(o, arp), kAnyWorker);
  EXPECT_EQ(owner(o, ethernet(0x88cc)), kAnyWorker);  // LLDP
  Bytes runt = {1, 2, 3};
  EXPECT_EQ(owner(o, runt), kAnyWorker);
}

}  // namespace
}  // namespace podwall
