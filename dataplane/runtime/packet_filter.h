#pragma once
// The worker's handle on the DPDK-free packet pipeline (dataplane/packet + dataplane/conntrack):
// one flow table, one fragment tracker and the pipeline's counters per worker.
//
// Threads: constructed by the control thread (allocates and touches all conntrack memory);
// every other method only on the owning worker.

#include <cstdint>

#include "dataplane/conntrack/firewall.h"
#include "dataplane/conntrack/flow_record.h"
#include "dataplane/policy/tables.h"
#include "dataplane/runtime/counters.h"
#include "dataplane/runtime/dataplane.h"

namespace podwall {

class PacketFilter {
 public:
  explicit PacketFilter(const DataplaneConfig& config, uint64_t seed);
  PacketFilter(const PacketFilter&) = delete;
  PacketFilter& operator=(const PacketFilter&) = delete;

  // Parses and judges frames[0, count) (count <= kMaxBurst) in order, as `count` calls of
  // judge() would, with the flow table warmed for the whole burst first.
  void judge_burst(const uint8_t* const frames[], const uint32_t lengths[], uint32_t count,
                   const PolicyTables* tables, uint64_t now_ns, Decision decisions[]) noexcept {
    decide_burst(frames, lengths, count, burst_, tables, tables ? tables->generation : 0, flows_,
                 fragments_, now_ns, config_, counters_, decisions);
  }

  // What the general parser read of frame `i` of the last judge_burst(). Meaningful for a frame
  // it dropped with a policy verdict (is_flow_event_reason()) or whose decision opened a flow:
  // those always take that path (the express lane only passes frames of open flows).
  const ParsedPacket& parsed(uint32_t i) const { return burst_.parsed[i]; }

  // A bounded sweep of expired flows and fragments. The worker calls it every kSweepPeriodNs
  // rather than every loop: each call walks kSweepBudget entries (cache misses on a large
  // table), which per 32-frame burst would cost more than the frames themselves. At these
  // figures a sweep passes over 2.5 M entries a second, so a full 1 M table in 0.4 s, far
  // below the shortest timeout.
  static constexpr uint64_t kSweepPeriodNs = 50'000;
  void expire(uint64_t now_ns) noexcept {
    expire_state(flows_, fragments_, now_ns, kSweepBudget, counters_);
  }

  // Copies the pipeline's plain counters into the atomic mirror other threads read.
  void mirror(PipelineCounters& out) const noexcept;

  uint32_t capacity() const { return flows_.capacity(); }

  // The flow listing, a slice at a time: walks up to `max_entries` of the flow table from
  // `cursor` (FlowTable::walk) and appends a record of each live entry to out[listed, room),
  // while there is room; `live` counts them all.
  void list_flows(uint32_t& cursor, uint32_t max_entries, uint64_t now_ns, FlowRecord out[],
                  uint32_t room, uint32_t& listed, uint64_t& live) const noexcept {
    flows_.walk(cursor, max_entries, now_ns, [&](const FlowEntry& entry) {
      ++live;
      if (listed < room) out[listed++] = record_of(entry, now_ns);
    });
  }

 private:
  static constexpr uint32_t kSweepBudget = 128;

  FirewallConfig config_;
  FlowTable flows_;
  FragmentTracker fragments_;
  WorkerCounters counters_;
  BurstScratch burst_;
};

}  // namespace podwall
