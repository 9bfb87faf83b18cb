#pragma once
// The per-packet verdict: parsed packet in, pass or drop (with a reason) out. This is where the
// parser, the fragment tracker, conntrack and classify() meet. DPDK-free.
//
// Order of judgement:
//   1. no tables published yet            -> drop everything (tables_not_ready): fail closed
//   2. ARP, ND, MLD                       -> pass (link control; the bridge needs it)
//   3. other ethertypes                   -> pass or drop per config (unknown_ethertype)
//   4. non-first fragment                 -> the fragment tracker's answer for its datagram
//   5. first fragment / whole packet:
//      TCP flags no stack sends           -> drop (bad_tcp_flags)
//      ICMP error                         -> pass iff the packet inside it belongs to a tracked
//                                            flow and the error goes back to its sender
//      packet of a tracked flow           -> pass, after a re-check if the tables changed
//                                            (EstablishedMode::recheck)
//      packet that may open a flow        -> classify(); allow: new entry; deny: policy_denied
//      anything else                      -> drop (no_flow)
//   A first fragment's verdict is remembered for its datagram's later fragments.

#include <cstdint>

#include "dataplane/conntrack/decide_with.h"
#include "dataplane/policy/classify.h"

namespace podwall {

// The production entry point: judges `packet` with the real classify().
// `tables`: the generation the worker loaded for this burst, nullptr before the first one is
// published. `tables_generation`: that generation's number (tables->generation).
// Thread: the worker that owns `flows`, `fragments` and `counters`, inside its RCU read-side
// section. Never allocates, blocks, throws or logs.
Decision decide(const ParsedPacket& packet, const PolicyTables* tables, uint64_t tables_generation,
                FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns,
                const FirewallConfig& config, WorkerCounters& counters) noexcept;

// Parses and judges one frame; a malformed frame is counted and dropped under its reason.
// `scratch` receives the parse (the bridge may want the VLAN tags).
Decision decide_frame(const uint8_t* frame, uint32_t len, ParsedPacket& scratch,
                      const PolicyTables* tables, uint64_t tables_generation, FlowTable& flows,
                      FragmentTracker& fragments, uint64_t now_ns, const FirewallConfig& config,
                      WorkerCounters& counters) noexcept;

// The most frames decide_burst() takes at once: one receive burst.
inline constexpr uint32_t kMaxBurst = 32;

// decide_burst()'s working memory: one per worker, reused for every burst.
struct BurstScratch {
  // A frame read by the express lane (dataplane/packet/express.h) has only `flow` and
  // `tcp_flags`; any other has `parsed` and `malformed`, and `flow` when looks_up_flow.
  bool express[kMaxBurst];
  uint8_t tcp_flags[kMaxBurst];
  ParsedPacket parsed[kMaxBurst];
  DropReason malformed[kMaxBurst];
  HashedFlowKey flow[kMaxBurst];  // of the packet's own tuple
  bool looks_up_flow[kMaxBurst];
  // Verdicts decided ahead, as one batch, for the frames likely to open a flow: frame i's
  // query and verdict are ahead_query[ahead[i]] and ahead_verdict[ahead[i]], unless ahead[i]
  // is kMaxBurst (none).
  uint8_t ahead[kMaxBurst];
  FlowQuery ahead_query[kMaxBurst];
  Verdict ahead_verdict[kMaxBurst];
};

// Judges frames[0, count) in order into decisions[0, count): the same decisions, counters and
// table state as `count` calls of decide_frame(). Up to kMaxBurst frames at a time, it reads
// them all and warms the flow table's index slots, then the entries, before judging the first,
// so that the burst's conntrack cache misses overlap instead of queueing one by one; the frames
// likely to open a flow are classified together (classify_burst()) for the same reason. A
// frame of a live, current flow that the express lane can read passes without the general
// parser.
void decide_burst(const uint8_t* const frames[], const uint32_t lengths[], uint32_t count,
                  BurstScratch& scratch, const PolicyTables* tables, uint64_t tables_generation,
                  FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns,
                  const FirewallConfig& config, WorkerCounters& counters,
                  Decision decisions[]) noexcept;

// The worker's once-per-loop housekeeping: sweeps up to `budget` flow entries and fragment slots
// for expiry and refreshes the occupancy counters.
void expire_state(FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns, uint32_t budget,
                  WorkerCounters& counters) noexcept;

}  // namespace podwall
