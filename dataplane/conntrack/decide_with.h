#pragma once
// The decision pipeline (described in firewall.h) as a template over the classifier, so that
// the unit tests and the fuzzer can judge with a stand-in policy while the workers call
// classify() directly, with no indirect call on the fast path. Production code includes
// firewall.h and calls decide(); this header is the seam.
//
// `Classifier` is callable as `Verdict(const Tables&, const FlowQuery&) noexcept`.

#include <cstdint>

#include "dataplane/conntrack/counters.h"
#include "dataplane/conntrack/decision.h"
#include "dataplane/conntrack/flow_key.h"
#include "dataplane/conntrack/flow_state.h"
#include "dataplane/conntrack/flow_table.h"
#include "dataplane/conntrack/fragment_tracker.h"
#include "dataplane/packet/parse.h"
#include "dataplane/policy/classify.h"

namespace podwall {

namespace firewall_detail {

inline constexpr uint32_t kFullTableReclaim = 8;

// The production classifier: a direct call to classify(), nothing indirect per packet.
struct PolicyClassifier {
  Verdict operator()(const PolicyTables& tables, const FlowQuery& query) const noexcept {
    return classify(tables, query);
  }
};

// The steps that never consult the policy (firewall_steps.cpp).
Decision judge_non_ip(const ParsedPacket& packet, const FirewallConfig& config,
                      WorkerCounters& counters) noexcept;
Decision judge_later_fragment(const ParsedPacket& packet, FragmentTracker& fragments,
                              uint64_t now_ns, WorkerCounters& counters) noexcept;
// A verdict's counters, then the occupancy gauges (refresh_occupancy()).
void count(Decision decision, const FlowTable& flows, const FragmentTracker& fragments,
           WorkerCounters& counters) noexcept;
inline void count_verdict(Decision decision, WorkerCounters& counters) noexcept {
  if (decision.passed()) {
    ++counters.passed;
  } else {
    counters.count_drop(decision.reason);
  }
}
// Copies the flow table's and fragment tracker's occupancy into the counters. A burst does it
// once at its end: nothing reads the counters in between.
void refresh_occupancy(const FlowTable& flows, const FragmentTracker& fragments,
                       WorkerCounters& counters) noexcept;

// The tuple whose flow entry judging `packet` looks up (an ICMP error's is the packet inside
// it), or nullptr when judging it touches no flow entry.
inline const FlowTuple* tracked_tuple(const ParsedPacket& packet) noexcept {
  if (!packet.is_ip() || packet.l2_control) return nullptr;
  if (packet.frag.is_fragment && !packet.frag.first) return nullptr;
  if (packet.tuple.icmp_kind == IcmpKind::error) return packet.has_inner ? &packet.inner : nullptr;
  return &packet.tuple;
}

// Does a flow approved under an older generation still stand? In recheck mode its original
// connection attempt is judged again by the current tables; if they deny it, the entry goes.
template <class Tables, class Classifier>
bool still_allowed(FlowEntry& entry, const Tables& tables, uint64_t generation,
                   const FirewallConfig& config, FlowTable& flows, WorkerCounters& counters,
                   Classifier& classifier) noexcept {
  if (entry.generation == generation || config.established == EstablishedMode::keep) return true;
  if (classifier(tables, original_query(entry.key, entry.initiator_is_lo())) == Verdict::allow) {
    entry.generation = generation;
    ++counters.flows_rechecked;
    return true;
  }
  flows.erase(entry);
  ++counters.flows_revoked;
  return false;
}

// Does a fragmented datagram approved under an older generation still stand? Its fragments
// follow its flow: if a policy change has cut the flow (or it is gone), the rest is dropped.
template <class Tables, class Classifier>
bool datagram_still_allowed(Datagram& datagram, const Tables& tables, uint64_t generation,
                            const FirewallConfig& config, FlowTable& flows,
                            FragmentTracker& fragments, uint64_t now_ns, WorkerCounters& counters,
                            Classifier& classifier) noexcept {
  if (datagram.generation == generation || config.established == EstablishedMode::keep) {
    return true;
  }
  FlowEntry* entry = flows.find(datagram.flow, now_ns);
  if (entry != nullptr &&
      still_allowed(*entry, tables, generation, config, flows, counters, classifier)) {
    datagram.generation = generation;
    return true;
  }
  fragments.revoke(datagram);
  return false;
}

// An ICMP error passes iff it is about a packet of a tracked flow (either direction) and goes
// back to that packet's sender. Errors about errors relate to nothing.
template <class Tables, class Classifier>
Decision judge_icmp_error(const ParsedPacket& packet, const Tables& tables, uint64_t generation,
                          FlowTable& flows, uint64_t now_ns, const FirewallConfig& config,
                          WorkerCounters& counters, Classifier& classifier) noexcept {
  const FlowTuple& inner = packet.inner;
  if (!packet.has_inner || inner.icmp_kind == IcmpKind::error || !(packet.tuple.dst == inner.src)) {
    return Decision::drop(DropReason::icmp_error_unrelated);
  }
  bool src_is_lo;
  FlowEntry* entry = flows.find(make_flow_key(inner, src_is_lo), now_ns);
  if (entry == nullptr) return Decision::drop(DropReason::icmp_error_unrelated);
  // Read before still_allowed() may erase the entry.
  const bool inner_from_initiator = src_is_lo == entry->initiator_is_lo();
  if (!still_allowed(*entry, tables, generation, config, flows, counters, classifier)) {
    return Decision::revoked(inner_from_initiator);
  }
  ++counters.icmp_errors_related;
  return Decision::pass();
}

// The flow key of `tuple` and its hash, unless the caller already has them in `known`.
inline HashedFlowKey hashed_key(const FlowTuple& tuple, const FlowTable& flows,
                                const HashedFlowKey* known) noexcept {
  if (known != nullptr) return *known;
  HashedFlowKey k;
  k.key = make_flow_key(tuple, k.src_is_lo);
  k.hash = flows.hash_of(k.key);
  return k;
}

// A whole packet, or a first fragment: conntrack, then policy for what may open a flow.
// `known`, when not null, is the key and hash of packet.tuple (decide_burst() computed them).
template <class Tables, class Classifier>
Decision judge_flow(const ParsedPacket& packet, const Tables& tables, uint64_t generation,
                    FlowTable& flows, uint64_t now_ns, const FirewallConfig& config,
                    WorkerCounters& counters, Classifier& classifier,
                    const HashedFlowKey* known) noexcept {
  if (packet.tuple.ip_proto == ip_proto::tcp && !tcp_flags_valid(packet.tcp_flags)) {
    return Decision::drop(DropReason::bad_tcp_flags);
  }
  if (packet.tuple.icmp_kind == IcmpKind::error) {
    return judge_icmp_error(packet, tables, generation, flows, now_ns, config, counters,
                            classifier);
  }
  const HashedFlowKey hashed = hashed_key(packet.tuple, flows, known);
  const FlowKey& key = hashed.key;
  const bool src_is_lo = hashed.src_is_lo;
  FlowEntry* entry = flows.find(key, hashed.hash, now_ns);
  if (entry != nullptr && restarts_flow(*entry, packet)) {
    flows.erase(*entry);
    entry = nullptr;
  }
  if (entry != nullptr) {
    // Read before still_allowed() may erase the entry.
    const bool from_initiator = src_is_lo == entry->initiator_is_lo();
    if (!still_allowed(*entry, tables, generation, config, flows, counters, classifier)) {
      return Decision::revoked(from_initiator);
    }
    track_packet(*entry, packet, from_initiator, now_ns, flows.timeouts());
    return Decision::pass();
  }
  if (!may_start_flow(packet)) return Decision::drop(DropReason::no_flow);
  if (classifier(tables, query_for(packet.tuple)) != Verdict::allow) {
    ++counters.flows_denied;
    return Decision::drop(DropReason::policy_denied);
  }
  // At capacity, dead entries the sweep has not reached yet would refuse live traffic: look at
  // a few more of them first (bounded, so a SYN flood against a full table stays cheap).
  if (flows.full()) flows.expire(now_ns, kFullTableReclaim);
  // Still full: the new flow is refused, never let through untracked; existing flows go on.
  entry = flows.insert(key, hashed.hash);
  if (entry == nullptr) return Decision::drop(DropReason::conntrack_full);
  start_flow(*entry, packet, src_is_lo, generation, now_ns, flows.timeouts());
  ++counters.flows_allowed;
  return Decision::opened_flow();
}

// `known`: as for judge_flow(), or null.
template <class Tables, class Classifier>
Decision decide_uncounted(const ParsedPacket& packet, const Tables* tables, uint64_t generation,
                          FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns,
                          const FirewallConfig& config, WorkerCounters& counters,
                          Classifier& classifier, const HashedFlowKey* known = nullptr) noexcept {
  if (tables == nullptr) return Decision::drop(DropReason::tables_not_ready);
  if (!packet.is_ip()) return judge_non_ip(packet, config, counters);
  if (packet.l2_control) {
    ++counters.l2_control_passed;
    return Decision::pass();
  }
  if (!packet.frag.is_fragment) {
    return judge_flow(packet, *tables, generation, flows, now_ns, config, counters, classifier,
                      known);
  }
  const FragmentKey fragment_key = make_fragment_key(packet);
  if (!packet.frag.first) {
    Datagram* datagram = fragments.lookup(fragment_key, now_ns);
    if (datagram != nullptr && datagram->state == DatagramState::allowed &&
        !datagram_still_allowed(*datagram, *tables, generation, config, flows, fragments, now_ns,
                                counters, classifier)) {
      return Decision::drop(DropReason::policy_revoked);
    }
    return judge_later_fragment(packet, fragments, now_ns, counters);
  }

  // The flow the first fragment opens or belongs to: a second first fragment is a duplicate
  // only if it is of the same flow.
  FlowKey flow;
  if (const FlowTuple* tuple = tracked_tuple(packet)) {
    bool src_is_lo;
    flow = make_flow_key(*tuple, src_is_lo);
  }
  Datagram* datagram = nullptr;
  DropReason refused = fragments.begin_first(fragment_key, packet.frag, flow, now_ns, datagram);
  if (refused != DropReason::none) return Decision::drop(refused);
  if (datagram->state == DatagramState::allowed) {  // a duplicate
    if (!datagram_still_allowed(*datagram, *tables, generation, config, flows, fragments, now_ns,
                                counters, classifier)) {
      return Decision::drop(DropReason::policy_revoked);
    }
    return Decision::pass();
  }
  if (datagram->state == DatagramState::denied) {
    return Decision::drop(DropReason::fragment_of_denied_datagram);
  }
  Decision verdict =
      judge_flow(packet, *tables, generation, flows, now_ns, config, counters, classifier, known);
  fragments.record_verdict(*datagram, verdict.passed(), flow, generation);
  return verdict;
}

}  // namespace firewall_detail

// See decide() in firewall.h; `classifier` stands in for classify().
template <class Tables, class Classifier>
Decision decide_with(const ParsedPacket& packet, const Tables* tables, uint64_t tables_generation,
                     FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns,
                     const FirewallConfig& config, WorkerCounters& counters,
                     Classifier&& classifier) noexcept {
  Decision decision = firewall_detail::decide_uncounted(
      packet, tables, tables_generation, flows, fragments, now_ns, config, counters, classifier);
  firewall_detail::count(decision, flows, fragments, counters);
  return decision;
}

// See decide_frame() in firewall.h; `classifier` stands in for classify().
template <class Tables, class Classifier>
Decision decide_frame_with(const uint8_t* frame, uint32_t len, ParsedPacket& scratch,
                           const Tables* tables, uint64_t tables_generation, FlowTable& flows,
                           FragmentTracker& fragments, uint64_t now_ns,
                           const FirewallConfig& config, WorkerCounters& counters,
                           Classifier&& classifier) noexcept {
  DropReason malformed = parse_packet(frame, len, scratch);
  if (malformed != DropReason::none) {
    Decision decision = Decision::drop(malformed);
    firewall_detail::count(decision, flows, fragments, counters);
    return decision;
  }
  return decide_with(scratch, tables, tables_generation, flows, fragments, now_ns, config, counters,
                     classifier);
}

}  // namespace podwall
