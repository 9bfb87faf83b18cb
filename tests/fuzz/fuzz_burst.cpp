// libFuzzer target: the worker's decision path -- decide_burst(), express lane included -- on
// compiled tables, over a sequence of bursts with policy changes, mode flips and time passing
// between them. Checks beyond the sanitizers (each frame sits in a heap block of exactly its
// length, so any read past it is caught):
//
//  1. It never fails open. With the tables in force and established flows re-checked, every
//     frame it passes is ARP, IPv6 neighbour discovery, an unknown ethertype the config lets
//     through, or a packet of a flow (for an ICMP error, the flow of the packet inside it; for
//     a later fragment, the flow of its datagram's first fragment, which must have passed)
//     that those tables allow in one direction. In any mode, a packet the tables in force
//     deny in its own direction passes only as part of a flow some earlier packet opened:
//     with established flows re-checked, it must be a reply (the other direction opened the
//     flow and is still allowed); kept, a packet of either direction of an opened flow; an
//     ICMP error, about an opened flow, sent back to the sender of the packet it quotes.
//     "Opened": a packet of that direction passed while the tables then in force allowed
//     that direction.
//  2. It decides as decide_frame() does frame by frame: the same decisions and the same
//     counters, whatever the frames.
//
// Input: tests/fuzz/burst_input.h. Before each burst, time passes (0, 1 ms, 2 s or 200 s), and
// as its control byte says: the policy changes, established flows are kept instead of
// re-checked, the expiry sweep runs, unknown ethertypes pass.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "control/compiler/compiler.h"
#include "dataplane/conntrack/decide_with.h"
#include "dataplane/conntrack/firewall.h"
#include "dataplane/conntrack/flow_record.h"
#include "dataplane/policy/tables.h"
#include "tests/fuzz/burst_input.h"

namespace {

using namespace podwall;

IpAddress address(const char* text) {
  return *IpAddress::parse(text);
}

PolicyPort port(Protocol protocol, uint16_t number) {
  PolicyPort p;
  p.protocol = protocol;
  p.port = number;
  return p;
}

PolicyPeer pods_labelled(const char* app) {
  PolicyPeer peer;
  peer.pod_selector = LabelSelector{{{"app", app}}, {}};
  return peer;
}

PolicyPeer addresses_in(const char* cidr, const char* except = nullptr) {
  PolicyPeer peer;
  peer.ip_block = IpBlock{*Cidr::parse(cidr, false), {}};
  if (except != nullptr) peer.ip_block->except = {*Cidr::parse(except, false)};
  return peer;
}

PolicyRule rule(std::vector<PolicyPeer> peers, std::vector<PolicyPort> ports = {}) {
  PolicyRule r;
  r.peers = std::move(peers);
  r.ports = std::move(ports);
  return r;
}

PolicyPeer pods_in(const char* namespace_name, const char* app) {
  PolicyPeer peer = pods_labelled(app);
  peer.namespace_selector = LabelSelector{{{"kubernetes.io/metadata.name", namespace_name}}, {}};
  return peer;
}

PolicyPort named_port(const char* name) {
  PolicyPort p;
  p.named_port = name;
  return p;
}

PolicyPort port_range(uint16_t first, uint16_t last) {
  PolicyPort p = port(Protocol::tcp, first);
  p.end_port = last;
  return p;
}

// A policy in `namespace_name` on the pods labelled app=`app` (every pod if empty), isolating
// the directions it has rules for, or both when it has none (a default deny).
NetworkPolicy policy(const char* namespace_name, const char* name, const char* app,
                     std::vector<PolicyRule> ingress, std::vector<PolicyRule> egress) {
  NetworkPolicy p;
  p.namespace_name = namespace_name;
  p.name = name;
  if (*app != '\0') p.pod_selector.match_labels = {{"app", app}};
  const bool default_deny = ingress.empty() && egress.empty();
  p.isolates_ingress = default_deny || !ingress.empty();
  p.isolates_egress = default_deny || !egress.empty();
  p.ingress = std::move(ingress);
  p.egress = std::move(egress);
  return p;
}

// The pods of burst_input.h (a, b, c in namespace lab, d in ops), every pod isolated both
// ways, so that most flows are allowed one way at most and "allowed in one direction" is a
// sharp check. Two policy sets that disagree on many flows, so that a change revokes:
//   `first`:  a -> b on TCP 80, UDP 53 and SCTP 3868; c -> b on TCP 443 (c's egress by an
//             ipBlock that leaves a out); a -> c anything; d -> b on b's named port `http`
//             (TCP 8080) and TCP 9000-9100 (b admits ops/d by namespace and pod selector).
//   `second`: a -> b on TCP 80 and UDP 53; a -> d anything (d admits 198.18.0.0/29 but b).
std::unique_ptr<PolicyTables> lab_tables(bool first) {
  Cluster cluster;
  for (const char* name : {"lab", "ops"}) {
    cluster.namespaces.push_back(Namespace{name, {{"kubernetes.io/metadata.name", name}}, {}});
  }
  for (const burst_input::Pod& pod : burst_input::kPods) {
    Pod p;
    p.namespace_name = pod.namespace_name;
    p.name = pod.name;
    p.labels = {{"app", pod.name}};
    p.addresses = {address(pod.v4), address(pod.v6)};
    if (&pod == &burst_input::kB) p.ports = {ContainerPort{"http", 8080, Protocol::tcp}};
    cluster.pods.push_back(p);
  }
  const PolicyPeer a = pods_labelled("a"), b = pods_labelled("b"), c = pods_labelled("c");
  const PolicyPort tcp80 = port(Protocol::tcp, 80), udp53 = port(Protocol::udp, 53);
  cluster.policies = {policy("lab", "default-deny", "", {}, {}),
                      policy("ops", "default-deny", "", {}, {})};
  if (first) {
    const PolicyPort sctp3868 = port(Protocol::sctp, 3868);
    cluster.policies.push_back(
        policy("lab", "a", "a", {}, {rule({b}, {tcp80, udp53, sctp3868}), rule({c})}));
    cluster.policies.push_back(
        policy("lab", "b", "b",
               {rule({a}, {tcp80, udp53, sctp3868}), rule({c}, {port(Protocol::tcp, 443)}),
                rule({pods_in("ops", "d")}, {named_port("http"), port_range(9000, 9100)})},
               {}));
    cluster.policies.push_back(policy(
        "lab", "c", "c", {rule({a})},
        {rule({addresses_in("198.18.0.0/30", "198.18.0.1/32")}, {port(Protocol::tcp, 443)})}));
    cluster.policies.push_back(policy("ops", "d", "d", {}, {rule({pods_in("lab", "b")})}));
  } else {
    cluster.policies.push_back(policy(
        "lab", "a", "a", {}, {rule({b}, {tcp80, udp53}), rule({addresses_in("198.18.0.4/32")})}));
    cluster.policies.push_back(policy("lab", "b", "b", {rule({a})}, {}));
    cluster.policies.push_back(
        policy("ops", "d", "d", {rule({addresses_in("198.18.0.0/29", "198.18.0.2/32")})}, {}));
  }
  return compile_policy(cluster);
}

struct Conntrack {
  // Small, so that the flow table fills and the fragment buckets overflow.
  FlowTable flows{64, FlowTimeouts{}, 11};
  FragmentTracker fragments{16, FragmentTracker::kDefaultTimeoutNs, 12};
  WorkerCounters counters;
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_burst: %s\n", what);
  std::abort();
}

FlowQuery reversed(const FlowTuple& t) {
  return FlowQuery{t.dst, t.src, t.ip_proto, t.has_ports ? t.sport : uint16_t(0)};
}

bool allowed_one_way(const PolicyTables& tables, const FlowTuple& t) {
  return classify(tables, query_for(t)) == Verdict::allow ||
         classify(tables, reversed(t)) == Verdict::allow;
}

// What earlier passed frames established, for judging later ones.
struct History {
  // The flow of the last first fragment passed for each datagram: a later fragment that
  // passes must belong to one, and that flow must still be allowed.
  std::vector<std::pair<FragmentKey, FlowTuple>> first_fragments;
  // Per flow, the directions that opened it: bit 0 the sender on the key's lo side, bit 1 the
  // hi side.
  std::vector<std::pair<FlowKey, uint8_t>> opened;

  uint8_t& opened_directions(const FlowKey& key) {
    auto it = std::find_if(opened.begin(), opened.end(),
                           [&](const auto& entry) { return entry.first == key; });
    if (it != opened.end()) return it->second;
    return opened.emplace_back(key, 0).second;
  }
};

uint8_t direction_bit(bool src_is_lo) {
  return src_is_lo ? 1 : 2;
}

// A passed packet of flow `t` (not a later fragment): allowed in its own direction now, or
// riding on a flow an earlier packet opened. Records the direction it opens.
void check_flow_packet(const FlowTuple& t, bool icmp_error, const PolicyTables& tables,
                       bool recheck, History& history) {
  bool src_is_lo;
  uint8_t& opened = history.opened_directions(make_flow_key(t, src_is_lo));
  const uint8_t own = direction_bit(src_is_lo), other = direction_bit(!src_is_lo);
  if (icmp_error) {
    if (opened == 0) fail("passed an ICMP error about a flow that was never opened");
    if (recheck && !allowed_one_way(tables, t)) {
      fail("passed an ICMP error about a flow the tables deny both ways");
    }
    return;
  }
  if (classify(tables, query_for(t)) == Verdict::allow) {
    opened |= own;
    return;
  }
  if (!recheck) {
    if (opened == 0) fail("passed a denied packet of a flow that was never opened");
    return;
  }
  if ((opened & other) == 0) fail("passed a denied packet that answers nothing opened");
  if (classify(tables, reversed(t)) != Verdict::allow) {
    fail("passed a packet of a flow the tables deny both ways");
  }
}

// Property 1 for one passed frame. The fail-open checks of packets of allowed flows apply when
// `recheck` (established flows are judged again after a change); the history is kept whatever
// the mode.
void check_passed(const uint8_t* frame, uint32_t length, const PolicyTables& tables,
                  const FirewallConfig& config, History& history) {
  const bool recheck = config.established == EstablishedMode::recheck;
  ParsedPacket p;
  if (parse_packet(frame, length, p) != DropReason::none) fail("passed a malformed frame");
  if (!p.is_ip()) {
    if (recheck && p.l3 != L3Kind::arp && !config.pass_unknown_ethertypes) {
      fail("passed an unknown ethertype");
    }
    return;
  }
  if (p.l2_control) return;
  const FragmentKey datagram = p.frag.is_fragment ? make_fragment_key(p) : FragmentKey{};
  auto& first_fragments = history.first_fragments;
  auto first = std::find_if(first_fragments.begin(), first_fragments.end(),
                            [&](const auto& entry) { return entry.first == datagram; });
  if (p.frag.is_fragment && !p.frag.first) {
    if (first == first_fragments.end()) fail("passed a later fragment whose first never passed");
    if (recheck && !allowed_one_way(tables, first->second)) {
      fail("passed a later fragment of a flow the tables deny both ways");
    }
    return;
  }
  const FlowTuple* t = firewall_detail::tracked_tuple(p);
  if (t == nullptr) fail("passed an IP packet of no flow");
  const bool icmp_error = p.tuple.icmp_kind == IcmpKind::error;
  if (icmp_error && !(p.tuple.dst == p.inner.src)) {
    fail("passed an ICMP error that does not go back to the sender of the packet it quotes");
  }
  check_flow_packet(*t, icmp_error, tables, recheck, history);
  if (p.frag.is_fragment) {
    if (first == first_fragments.end()) {
      first_fragments.emplace_back(datagram, *t);
    } else {
      first->second = *t;
    }
  }
}

// podwallctl flows shows each entry as the connection its initiator opened (record_of): for an
// entry the current tables approved, that connection is one they allow. Turned round, most of
// the lab's would be denied. The walk, a slice at a time, meets at most the table's entries.
void check_listing(const FlowTable& flows, const PolicyTables& tables, uint64_t generation,
                   uint64_t now) {
  uint32_t cursor = 0, live = 0;
  while (cursor < flows.capacity()) {
    flows.walk(cursor, 100, now, [&](const FlowEntry& entry) {
      ++live;
      if (entry.generation != generation) return;
      const FlowRecord r = record_of(entry, now);
      const FlowQuery opened{r.src, r.dst, r.ip_proto,
                             protocol_has_ports(r.ip_proto) ? r.dport : uint16_t(0)};
      if (classify(tables, opened) != Verdict::allow) {
        fail("a listed flow approved by the current tables is one they deny");
      }
      if (r.expires_in_ns == 0) fail("a live flow listed as expired");
    });
  }
  if (live > flows.size()) fail("a walk met more flows than the table holds");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<PolicyTables> table_sets[2] = {lab_tables(true), lab_tables(false)};
  static BurstScratch scratch;

  Conntrack burst;   // judged by decide_burst()
  Conntrack single;  // the same frames through decide_frame(), one by one
  History history;
  unsigned set = 0;
  uint64_t generation = 1;
  uint64_t now = 1000 * kNsPerSecond;

  size_t at = 0;
  while (at + 2 <= size) {
    const uint8_t ctl = data[at];
    const uint32_t count = data[at + 1] % (burst_input::kMaxFramesPerBurst + 1);
    at += 2;
    std::vector<std::unique_ptr<uint8_t[]>> storage;
    std::vector<const uint8_t*> frames;
    std::vector<uint32_t> lengths;
    for (uint32_t i = 0; i < count && at + 2 <= size; ++i) {
      uint32_t length = uint32_t(data[at]) << 8 | data[at + 1];
      at += 2;
      if (length > size - at) length = uint32_t(size - at);
      storage.emplace_back(new uint8_t[length]);
      std::memcpy(storage.back().get(), data + at, length);
      at += length;
      frames.push_back(storage.back().get());
      lengths.push_back(length);
    }

    static constexpr uint64_t kSteps[] = {0, 1'000'000, 2 * kNsPerSecond, 200 * kNsPerSecond};
    now += kSteps[ctl & burst_input::kTimeMask];
    if (ctl & burst_input::kPolicyChange) {
      set ^= 1;
      ++generation;
    }
    FirewallConfig config;
    config.established =
        ctl & burst_input::kKeep ? EstablishedMode::keep : EstablishedMode::recheck;
    config.pass_unknown_ethertypes = (ctl & burst_input::kPassUnknownEthertypes) != 0;
    if (ctl & burst_input::kSweep) {
      expire_state(burst.flows, burst.fragments, now, 64, burst.counters);
      expire_state(single.flows, single.fragments, now, 64, single.counters);
    }
    const PolicyTables& tables = *table_sets[set];

    const uint32_t n = uint32_t(frames.size());
    std::vector<Decision> decisions(n);
    decide_burst(frames.data(), lengths.data(), n, scratch, &tables, generation, burst.flows,
                 burst.fragments, now, config, burst.counters, decisions.data());
    for (uint32_t i = 0; i < n; ++i) {
      ParsedPacket parsed;
      Decision one = decide_frame_with(frames[i], lengths[i], parsed, &tables, generation,
                                       single.flows, single.fragments, now, config, single.counters,
                                       firewall_detail::PolicyClassifier{});
      if (one.passed() != decisions[i].passed() || one.reason != decisions[i].reason ||
          one.opened != decisions[i].opened || one.from_responder != decisions[i].from_responder) {
        fail("decide_burst() and decide_frame() disagree on a frame");
      }
      if (decisions[i].passed()) check_passed(frames[i], lengths[i], tables, config, history);
    }
    if (std::memcmp(&burst.counters, &single.counters, sizeof(WorkerCounters)) != 0) {
      fail("decide_burst() and decide_frame() count differently");
    }
    if (burst.flows.size() != single.flows.size()) fail("the flow tables differ in size");
    check_listing(burst.flows, tables, generation, now);
  }
  return 0;
}
