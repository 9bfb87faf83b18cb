// The flow table on its own: keys, capacity, expiry, and a long random run against a simple
// model to catch probe-chain damage from deletions.

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "dataplane/conntrack/flow_record.h"
#include "dataplane/conntrack/flow_table.h"
#include "tests/unit/packet/frame_builder.h"

namespace podwall {
namespace {

using test::ip;

FlowTuple tuple(const char* s, const char* d, uint16_t sp, uint16_t dp, uint8_t proto = 6) {
  FlowTuple t;
  t.src = ip(s);
  t.dst = ip(d);
  t.ip_proto = proto;
  t.has_ports = true;
  t.sport = sp;
  t.dport = dp;
  return t;
}

FlowTuple reversed(FlowTuple t) {
  std::swap(t.src, t.dst);
  std::swap(t.sport, t.dport);
  return t;
}

TEST(FlowKey, BothDirectionsShareOneKey) {
  FlowTuple t = tuple("198.18.0.2", "198.18.0.1", 40000, 80);
  bool fwd_lo, rev_lo;
  FlowKey a = make_flow_key(t, fwd_lo);
  FlowKey b = make_flow_key(reversed(t), rev_lo);
  EXPECT_EQ(a, b);
  EXPECT_NE(fwd_lo, rev_lo);
  EXPECT_FALSE(fwd_lo);  // 198.18.0.2 sorts after 198.18.0.1
  FlowQuery q = original_query(a, fwd_lo);
  EXPECT_EQ(q.src, t.src);
  EXPECT_EQ(q.dst, t.dst);
  EXPECT_EQ(q.dst_port, 80);
  EXPECT_EQ(q.ip_proto, 6);
}

// The ends are swapped as a whole: the lower address with its own port, whichever end sent.
TEST(FlowKey, EachPortStaysWithItsAddress) {
  for (bool forward : {true, false}) {
    FlowTuple t = tuple("198.18.0.7", "198.18.0.9", 40000, 80);
    if (!forward) t = reversed(t);
    bool src_is_lo;
    FlowKey key = make_flow_key(t, src_is_lo);
    EXPECT_EQ(src_is_lo, forward);
    EXPECT_EQ(key.addr_lo, ip("198.18.0.7").bytes);
    EXPECT_EQ(key.addr_hi, ip("198.18.0.9").bytes);
    EXPECT_EQ(key.port_lo, 40000);
    EXPECT_EQ(key.port_hi, 80);
    EXPECT_EQ(key.ip_proto, 6);
    EXPECT_EQ(key.family, 4);
  }
}

TEST(FlowKey, SameAddressesOrderByPort) {
  FlowTuple t = tuple("198.18.0.1", "198.18.0.1", 9000, 80);
  bool lo1, lo2;
  EXPECT_EQ(make_flow_key(t, lo1), make_flow_key(reversed(t), lo2));
  EXPECT_NE(lo1, lo2);
}

TEST(FlowKey, FamiliesAndProtocolsDiffer) {
  bool lo;
  FlowKey tcp = make_flow_key(tuple("198.18.0.1", "198.18.0.2", 1, 2, 6), lo);
  FlowKey udp = make_flow_key(tuple("198.18.0.1", "198.18.0.2", 1, 2, 17), lo);
  FlowKey v4mapped = make_flow_key(tuple("::c612:1", "::c612:2", 1, 2, 6), lo);
  EXPECT_NE(tcp, udp);
  EXPECT_NE(tcp, v4mapped);
}

TEST(FlowKey, IcmpQueriesRememberTheInitiator) {
  FlowTuple req;
  req.src = ip("198.18.0.1");
  req.dst = ip("198.18.0.2");
  req.ip_proto = 1;
  req.icmp_kind = IcmpKind::request;
  req.icmp_id = 5;
  FlowTuple rep = req;
  std::swap(rep.src, rep.dst);
  rep.icmp_kind = IcmpKind::reply;
  FlowTuple rev_req = rep;
  rev_req.icmp_kind = IcmpKind::request;
  bool lo;
  EXPECT_EQ(make_flow_key(req, lo), make_flow_key(rep, lo));
  EXPECT_NE(make_flow_key(req, lo), make_flow_key(rev_req, lo));
  EXPECT_EQ(original_query(make_flow_key(req, lo), true).dst_port, 0);
}

TEST(FlowTable, InsertFindEraseAndCapacity) {
  FlowTable table(3, {}, 1);
  EXPECT_EQ(table.capacity(), 3u);
  bool lo;
  FlowKey k1 = make_flow_key(tuple("198.18.0.1", "198.18.0.2", 1, 80), lo);
  FlowKey k2 = make_flow_key(tuple("198.18.0.1", "198.18.0.2", 2, 80), lo);
  FlowKey k3 = make_flow_key(tuple("198.18.0.1", "198.18.0.2", 3, 80), lo);
  FlowKey k4 = make_flow_key(tuple("198.18.0.1", "198.18.0.2", 4, 80), lo);
  for (const FlowKey& k : {k1, k2, k3}) {
    FlowEntry* e = table.insert(k);
    ASSERT_NE(e, nullptr);
    e->expires_ns = 100;
  }
  EXPECT_TRUE(table.full());
  EXPECT_EQ(table.insert(k4), nullptr);
  EXPECT_NE(table.find(k2, 0), nullptr);
  table.erase(*table.find(k2, 0));
  EXPECT_EQ(table.find(k2, 0), nullptr);
  EXPECT_NE(table.find(k1, 0), nullptr);
  EXPECT_NE(table.find(k3, 0), nullptr);
  ASSERT_NE(table.insert(k4), nullptr);
  EXPECT_EQ(table.size(), 3u);
}

TEST(FlowTable, LazyExpiryOnLookup) {
  FlowTable table(8, {}, 1);
  bool lo;
  FlowKey k = make_flow_key(tuple("198.18.0.1", "198.18.0.2", 1, 80), lo);
  table.insert(k)->expires_ns = 100;
  EXPECT_NE(table.find(k, 99), nullptr);
  EXPECT_EQ(table.find(k, 100), nullptr);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.expired_total(), 1u);
}

// podwallctl flows: the worker walks its table a slice at a time, and each live entry is shown
// as the connection its initiator opened, whichever end of the key that is.
TEST(FlowTable, AWalkListsTheLiveEntriesAsTheirInitiatorsOpenedThem) {
  FlowTable table(8, {}, 1);
  bool web_is_lo, client_is_lo, stale_is_lo;
  // The client's address sorts above the web server's: it is the key's hi side.
  const FlowTuple web_to_client = tuple("198.18.0.2", "198.18.0.9", 80, 40000);
  const FlowKey tcp = make_flow_key(reversed(web_to_client), client_is_lo);
  const FlowKey udp = make_flow_key(tuple("198.18.0.2", "198.18.0.9", 5353, 53, 17), web_is_lo);
  const FlowKey stale = make_flow_key(tuple("198.18.0.3", "198.18.0.9", 1, 80), stale_is_lo);
  ASSERT_FALSE(client_is_lo);
  FlowEntry* e = table.insert(tcp);
  e->state = FlowState::tcp_established;
  e->generation = 7;
  e->expires_ns = 5'000;
  e = table.insert(udp);
  e->state = FlowState::replied;
  e->flags = web_is_lo ? flow_flag::initiator_is_lo : 0;
  e->expires_ns = 3'000;
  table.insert(stale)->expires_ns = 500;  // dead at 1,000 but not yet swept

  std::vector<FlowRecord> seen;
  uint32_t cursor = 0, calls = 0;
  while (cursor < table.capacity()) {
    table.walk(cursor, 3, 1'000,
               [&](const FlowEntry& entry) { seen.push_back(record_of(entry, 1'000)); });
    ++calls;
  }
  EXPECT_EQ(calls, 3u);         // 8 entries, 3 a call
  EXPECT_EQ(table.size(), 3u);  // a walk removes nothing, not even the dead
  ASSERT_EQ(seen.size(), 2u);
  const FlowRecord& client = seen[0].ip_proto == 6 ? seen[0] : seen[1];
  EXPECT_EQ(client.src, ip("198.18.0.9"));
  EXPECT_EQ(client.sport, 40000);
  EXPECT_EQ(client.dst, ip("198.18.0.2"));
  EXPECT_EQ(client.dport, 80);
  EXPECT_STREQ(flow_state_name(client.state), "established");
  EXPECT_EQ(client.generation, 7u);
  EXPECT_EQ(client.expires_in_ns, 4'000u);
  const FlowRecord& dns = seen[0].ip_proto == 17 ? seen[0] : seen[1];
  EXPECT_EQ(dns.src, ip("198.18.0.2"));
  EXPECT_EQ(dns.sport, 5353);
  EXPECT_EQ(dns.dport, 53);
  EXPECT_EQ(ip_protocol_name(dns.ip_proto), "udp");
  EXPECT_STREQ(flow_state_name(dns.state), "replied");
}

// decide_burst() classifies a frame ahead only when its home slot says it most likely has no
// flow: a retransmitted SYN of a tracked flow must read as the flow's own.
TEST(FlowTable, HomeSlotSaysWhetherAKeyIsLikelyTracked) {
  using Home = FlowTable::Home;
  FlowTable table(8, {}, 1);
  bool lo;
  FlowKey tracked = make_flow_key(tuple("198.18.0.1", "198.18.0.2", 1, 80), lo);
  EXPECT_EQ(table.prefetch_entry(table.hash_of(tracked)), Home::empty);
  table.insert(tracked)->expires_ns = 100;
  EXPECT_EQ(table.prefetch_entry(table.hash_of(tracked)), Home::same_hash);
  int empty = 0, other = 0;
  for (uint16_t port = 2; port < 200; ++port) {
    FlowKey k = make_flow_key(tuple("198.18.0.1", "198.18.0.2", port, 80), lo);
    Home home = table.prefetch_entry(table.hash_of(k));
    EXPECT_NE(home, Home::same_hash) << "port " << port;
    ++(home == Home::empty ? empty : other);
  }
  // In a small index some keys land on the tracked key's home slot, most on empty ones.
  EXPECT_GT(other, 0);
  EXPECT_GT(empty, other);
}

TEST(FlowTable, CapacityIsClamped) {
  FlowTable tiny(0, {}, 1);
  EXPECT_EQ(tiny.capacity(), 1u);
}

// Random inserts, erases, expiries and lookups, checked against std::map after every step.
TEST(FlowTable, AgreesWithAModelUnderChurn) {
  FlowTable table(512, {}, 99);        // 1024 index slots: dense enough for long probe runs
  std::map<uint32_t, uint64_t> model;  // key id -> expiry
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  auto key_of = [](uint32_t id) {
    FlowKey k;
    k.family = 4;
    k.ip_proto = 17;
    k.addr_lo[0] = 198;
    k.addr_lo[3] = uint8_t(id);
    k.addr_hi[3] = uint8_t(id >> 8);
    k.port_lo = uint16_t(id * 7);
    return k;
  };
  uint64_t now = 0;
  for (int step = 0; step < 200000; ++step) {
    uint32_t id = uint32_t(next() % 2000);
    FlowKey k = key_of(id);
    switch (next() % 4) {
      case 0: {  // insert if absent
        bool live = model.count(id) && model[id] > now;
        FlowEntry* found = table.find(k, now);
        ASSERT_EQ(found != nullptr, live) << step;
        if (!live) model.erase(id);
        if (!found) {
          FlowEntry* e = table.insert(k);
          if (e == nullptr) {
            ASSERT_EQ(table.size(), 512u);
            break;
          }
          e->expires_ns = now + 1 + next() % 500;
          model[id] = e->expires_ns;
        }
        break;
      }
      case 1: {  // erase if present
        FlowEntry* found = table.find(k, now);
        bool live = model.count(id) && model[id] > now;
        ASSERT_EQ(found != nullptr, live) << step;
        if (found) table.erase(*found);
        model.erase(id);
        break;
      }
      case 2:
        now += next() % 3;
        break;
      case 3: {
        table.expire(now, 16);
        break;
      }
    }
    ASSERT_LE(table.size(), 512u);
  }
  // Everything the model holds alive is findable, and nothing else.
  for (uint32_t id = 0; id < 2000; ++id) {
    bool live = model.count(id) && model[id] > now;
    EXPECT_EQ(table.find(key_of(id), now) != nullptr, live) << id;
  }
}

}  // namespace
}  // namespace podwall
