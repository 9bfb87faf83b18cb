// decide_burst() must be decide_frame() called frame by frame: same decisions, same counters,
// same flow table, whatever the burst boundaries and however frames of one burst depend on
// each other (a SYN and its SYN+ACK in the same burst, a flow ended and restarted, a full
// table, fragments, malformed frames).

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "control/compiler/compiler.h"
#include "dataplane/conntrack/firewall.h"
#include "dataplane/policy/tables.h"
#include "tests/unit/packet/frame_builder.h"

namespace podwall {
namespace {

using namespace tcp_flag;
using test::Bytes;
using test::FrameBuilder;
using test::ip;

const IpAddress kClient = ip("198.18.3.10");
const IpAddress kWeb = ip("198.18.3.20");
const IpAddress kRogue = ip("198.18.3.30");

// web accepts TCP 80 and UDP 53 from app=client only; with `open_to_client` false, nothing.
std::unique_ptr<PolicyTables> web_tables(bool open_to_client = true, uint64_t generation = 1) {
  Cluster cluster;
  cluster.namespaces = {Namespace{"shop", {{"kubernetes.io/metadata.name", "shop"}}, {}}};
  for (auto [name, address] : {std::pair{"client", kClient}, {"web", kWeb}, {"rogue", kRogue}}) {
    Pod p;
    p.namespace_name = "shop";
    p.name = name;
    p.labels = {{"app", name}};
    p.addresses = {address};
    cluster.pods.push_back(p);
  }
  NetworkPolicy policy;
  policy.namespace_name = "shop";
  policy.name = "web";
  policy.pod_selector.match_labels = {{"app", "web"}};
  policy.isolates_ingress = true;
  PolicyPeer peer;
  peer.pod_selector = LabelSelector{{{"app", "client"}}, {}};
  PolicyRule rule;
  rule.peers = {peer};
  PolicyPort http;
  http.port = 80;
  PolicyPort dns;
  dns.protocol = Protocol::udp;
  dns.port = 53;
  rule.ports = {http, dns};
  if (open_to_client) policy.ingress = {rule};
  cluster.policies = {policy};
  auto tables = compile_policy(cluster);
  tables->generation = generation;
  return tables;
}

// A random mix of what a worker meets, with replies and repeats so that frames of one burst
// often belong to the same flow.
std::vector<Bytes> traffic(uint32_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](uint32_t n) { return uint32_t(rng() % n); };
  const IpAddress peers[] = {kClient, kRogue};
  std::vector<Bytes> frames;
  while (frames.size() < count) {
    const IpAddress& src = peers[pick(2)];
    uint16_t sport = uint16_t(40000 + pick(24));  // few ports: flows recur and restart
    uint16_t dport = pick(4) == 0 ? 8080 : 80;
    switch (pick(10)) {
      case 0:
      case 1:
        frames.push_back(FrameBuilder().ipv4(src, kWeb).tcp(sport, dport, syn).build());
        break;
      case 2:
        frames.push_back(FrameBuilder().ipv4(kWeb, src).tcp(dport, sport, syn | ack).build());
        break;
      case 3:  // either way: the express lane must tell initiator from responder
        if (pick(2) == 0) {
          frames.push_back(FrameBuilder().ipv4(src, kWeb).tcp(sport, dport, ack).build());
        } else {
          frames.push_back(FrameBuilder().ipv4(kWeb, src).tcp(dport, sport, ack | psh).build());
        }
        break;
      case 4:
        frames.push_back(FrameBuilder().ipv4(src, kWeb).tcp(sport, dport, fin | ack).build());
        break;
      case 5:
        frames.push_back(FrameBuilder().ipv4(src, kWeb).udp(sport, 53).payload(8).build());
        break;
      case 6:
        frames.push_back(FrameBuilder().ipv4(kWeb, src).udp(53, sport).payload(8).build());
        break;
      case 7: {  // a datagram in two fragments, sometimes the later one first
        uint16_t id = uint16_t(pick(6));
        Bytes first = FrameBuilder()
                          .ipv4(src, kWeb, {.id = id, .more_fragments = true})
                          .udp(sport, 53, 40)
                          .payload(24)
                          .build();
        Bytes later = FrameBuilder()
                          .ipv4(src, kWeb, {.id = id, .fragment_offset = 32})
                          .protocol(17)
                          .payload(8)
                          .build();
        if (pick(3) == 0) std::swap(first, later);
        frames.push_back(first);
        frames.push_back(later);
        break;
      }
      case 8:
        frames.push_back(FrameBuilder().ipv4(src, kWeb).tcp(sport, dport, syn | fin).build());
        break;
      default: {  // malformed: a valid SYN cut short somewhere in its headers
        Bytes f = FrameBuilder().ipv4(src, kWeb).tcp(sport, dport, syn).build();
        f.resize(pick(uint32_t(f.size())));
        frames.push_back(f);
        break;
      }
    }
  }
  frames.resize(count);
  return frames;
}

struct State {
  FlowTable flows{16, FlowTimeouts{}, 99};  // small: the table fills and frees as it goes
  FragmentTracker fragments{8, FragmentTracker::kDefaultTimeoutNs, 5};
  WorkerCounters counters;
};

void expect_same(const WorkerCounters& a, const WorkerCounters& b) {
  EXPECT_EQ(a.passed, b.passed);
  EXPECT_EQ(a.dropped, b.dropped);
  for (size_t r = 0; r < kDropReasonCount; ++r) {
    EXPECT_EQ(a.dropped_by_reason[r], b.dropped_by_reason[r])
        << "reason " << drop_reason_name(DropReason(r));
  }
  EXPECT_EQ(a.fragments_passed, b.fragments_passed);
  EXPECT_EQ(a.flows_allowed, b.flows_allowed);
  EXPECT_EQ(a.flows_denied, b.flows_denied);
  EXPECT_EQ(a.conntrack_entries, b.conntrack_entries);
  EXPECT_EQ(a.fragment_datagrams, b.fragment_datagrams);
}

TEST(DecideBurst, SameAsFrameByFrameWhateverTheBurstSizes) {
  auto tables = web_tables();
  const FirewallConfig config;
  const uint64_t now = 10 * kNsPerSecond;
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    std::vector<Bytes> frames = traffic(400, seed);

    State one;
    std::vector<Decision> expected;
    ParsedPacket scratch;
    for (const Bytes& f : frames) {
      expected.push_back(decide_frame(f.data(), uint32_t(f.size()), scratch, tables.get(), 1,
                                      one.flows, one.fragments, now, config, one.counters));
    }

    State burst;
    BurstScratch burst_scratch;
    std::mt19937 rng(seed);
    std::vector<Decision> got(frames.size());
    for (size_t at = 0; at < frames.size();) {
      // Sizes up to twice a burst: decide_burst() must also split what it cannot take at once.
      uint32_t n = std::min<uint32_t>(1 + rng() % (2 * kMaxBurst), uint32_t(frames.size() - at));
      std::vector<const uint8_t*> data;
      std::vector<uint32_t> lengths;
      for (uint32_t i = 0; i < n; ++i) {
        data.push_back(frames[at + i].data());
        lengths.push_back(uint32_t(frames[at + i].size()));
      }
      decide_burst(data.data(), lengths.data(), n, burst_scratch, tables.get(), 1, burst.flows,
                   burst.fragments, now, config, burst.counters, got.data() + at);
      at += n;
    }

    for (size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ(got[i].action, expected[i].action) << "frame " << i;
      EXPECT_EQ(got[i].reason, expected[i].reason) << "frame " << i;
      EXPECT_EQ(got[i].opened, expected[i].opened) << "frame " << i;
      EXPECT_EQ(got[i].from_responder, expected[i].from_responder) << "frame " << i;
    }
    expect_same(burst.counters, one.counters);
    EXPECT_EQ(burst.flows.size(), one.flows.size());
    // The mix must really exercise the pipeline, or the comparison proves little.
    EXPECT_GT(one.counters.flows_allowed, 0u);
    EXPECT_GT(one.counters.dropped_by_reason[size_t(DropReason::policy_denied)], 0u);
    EXPECT_GT(one.counters.fragments_passed +
                  one.counters.dropped_by_reason[size_t(DropReason::orphan_fragment)],
              0u);
  }
}

// The same comparison with time and tables moving between bursts: flows expire (the express
// lane must not pass a frame of a dead flow), and the tables flip between a generation that
// admits the client and one that admits nobody, so flows are re-checked and revoked (or kept,
// with EstablishedMode::keep) exactly as frame-by-frame judging does.
TEST(DecideBurst, SameAsFrameByFrameAcrossExpiryAndPolicyChanges) {
  const auto open = web_tables(true, 1);
  const auto closed = web_tables(false, 2);
  for (EstablishedMode mode : {EstablishedMode::recheck, EstablishedMode::keep}) {
    FirewallConfig config;
    config.established = mode;
    WorkerCounters all;  // over every seed
    for (uint32_t seed = 1; seed <= 10; ++seed) {
      SCOPED_TRACE(testing::Message()
                   << "seed " << seed << " keep " << (mode == EstablishedMode::keep));
      std::vector<Bytes> frames = traffic(600, seed);
      struct Burst {
        size_t first, count;
        uint64_t now;
        const PolicyTables* tables;
      };
      std::vector<Burst> bursts;
      std::mt19937 rng(seed * 7919);
      uint64_t now = 10 * kNsPerSecond;
      const PolicyTables* tables = open.get();
      for (size_t at = 0; at < frames.size();) {
        size_t n = std::min<size_t>(1 + rng() % kMaxBurst, frames.size() - at);
        bursts.push_back({at, n, now, tables});
        at += n;
        // Mostly moments apart; sometimes past the UDP and half-open timeouts (30 s).
        now += rng() % 8 == 0 ? 31 * kNsPerSecond : rng() % (2 * kNsPerSecond);
        if (rng() % 6 == 0) tables = tables == open.get() ? closed.get() : open.get();
      }

      State one;
      std::vector<Decision> expected;
      ParsedPacket scratch;
      for (const Burst& b : bursts) {
        for (size_t i = b.first; i < b.first + b.count; ++i) {
          expected.push_back(decide_frame(frames[i].data(), uint32_t(frames[i].size()), scratch,
                                          b.tables, b.tables->generation, one.flows, one.fragments,
                                          b.now, config, one.counters));
        }
      }

      State burst;
      BurstScratch burst_scratch;
      std::vector<Decision> got(frames.size());
      for (const Burst& b : bursts) {
        std::vector<const uint8_t*> data;
        std::vector<uint32_t> lengths;
        for (size_t i = b.first; i < b.first + b.count; ++i) {
          data.push_back(frames[i].data());
          lengths.push_back(uint32_t(frames[i].size()));
        }
        decide_burst(data.data(), lengths.data(), uint32_t(b.count), burst_scratch, b.tables,
                     b.tables->generation, burst.flows, burst.fragments, b.now, config,
                     burst.counters, got.data() + b.first);
      }

      for (size_t i = 0; i < frames.size(); ++i) {
        EXPECT_EQ(got[i].action, expected[i].action) << "frame " << i;
        EXPECT_EQ(got[i].reason, expected[i].reason) << "frame " << i;
        EXPECT_EQ(got[i].opened, expected[i].opened) << "frame " << i;
        EXPECT_EQ(got[i].from_responder, expected[i].from_responder) << "frame " << i;
      }
      expect_same(burst.counters, one.counters);
      EXPECT_EQ(burst.counters.flows_rechecked, one.counters.flows_rechecked);
      EXPECT_EQ(burst.counters.flows_revoked, one.counters.flows_revoked);
      EXPECT_EQ(burst.counters.flows_expired, one.counters.flows_expired);
      EXPECT_EQ(burst.flows.size(), one.flows.size());
      all.flows_expired += one.counters.flows_expired;
      all.flows_revoked += one.counters.flows_revoked;
      all.flows_rechecked += one.counters.flows_rechecked;
    }
    // Each event must really happen, or the comparison proves little.
    EXPECT_GT(all.flows_expired, 0u);
    if (mode == EstablishedMode::recheck) {
      EXPECT_GT(all.flows_revoked, 0u);
      EXPECT_GT(all.flows_rechecked, 0u);
    }
  }
}

// decide_burst() asks the policy about a burst's likely flow openers all at once, before
// judging any frame. Here the frame is a SYN from the responder of an established flow whose
// policy was revoked: the answer decided ahead is about web -> client (allowed: nothing
// isolates that way), but judging it asks whether the flow's original client -> web still
// stands (no). The frame must be dropped as revoked, not pass on the other question's answer.
TEST(DecideBurst, AVerdictDecidedAheadAnswersOnlyTheQueryItWasFor) {
  const auto open = web_tables(true, 1);
  const auto closed = web_tables(false, 2);
  State s;
  BurstScratch scratch;
  const FirewallConfig config;  // established flows are checked again under new tables
  auto judge = [&](const Bytes& frame, const PolicyTables& tables) {
    const uint8_t* data[] = {frame.data()};
    const uint32_t lengths[] = {uint32_t(frame.size())};
    Decision d;
    decide_burst(data, lengths, 1, scratch, &tables, tables.generation, s.flows, s.fragments, 0,
                 config, s.counters, &d);
    return d;
  };
  EXPECT_TRUE(
      judge(FrameBuilder().ipv4(kClient, kWeb).tcp(40000, 80, syn).build(), *open).passed());
  EXPECT_TRUE(
      judge(FrameBuilder().ipv4(kWeb, kClient).tcp(80, 40000, syn | ack).build(), *open).passed());
  EXPECT_TRUE(
      judge(FrameBuilder().ipv4(kClient, kWeb).tcp(40000, 80, ack).build(), *open).passed());
  // VLAN-tagged, so that the general parser reads it and it joins the batch decided ahead.
  Bytes reverse_syn =
      FrameBuilder().vlan(0x8100, 7).ipv4(kWeb, kClient).tcp(80, 40000, syn).build();
  Decision d = judge(reverse_syn, *closed);
  EXPECT_FALSE(d.passed());
  EXPECT_EQ(d.reason, DropReason::policy_revoked);
  EXPECT_EQ(s.flows.size(), 0u);
}

TEST(DecideBurst, FailsClosedWithoutTables) {
  State s;
  BurstScratch scratch;
  Bytes syn_frame = FrameBuilder().ipv4(kClient, kWeb).tcp(40000, 80, syn).build();
  const uint8_t* data[] = {syn_frame.data(), syn_frame.data()};
  const uint32_t lengths[] = {uint32_t(syn_frame.size()), 10};
  Decision d[2];
  decide_burst(data, lengths, 2, scratch, nullptr, 0, s.flows, s.fragments, 0, FirewallConfig{},
               s.counters, d);
  EXPECT_EQ(d[0].reason, DropReason::tables_not_ready);
  EXPECT_EQ(d[1].reason, DropReason::truncated_l2);
  EXPECT_EQ(s.flows.size(), 0u);
}

}  // namespace
}  // namespace podwall
