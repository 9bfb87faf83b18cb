#pragma once
// The worker's handle on the DPDK-free packet pipeline (dataplane/packet + dataplane/conntrack):
// one flow table, one fragment tracker and the pipeline's counters per worker.
//
// Threads: constructed by the control thread (allocates and touches all conntrack memory);
// every other method only on the owning worker.

#include <cstdint>

#include "dataplane/conntrack/firewall.h"
#include "dataplane/policy/tables.h"
#include "dataplane/runtime/counters.h"
#include "dataplane/runtime/dataplane.h"

namespace podwall {

class PacketFilter {
 public:
  explicit PacketFilter(const DataplaneConfig& config, uint64_t seed);
  PacketFilter(const PacketFilter&) = delete;
  PacketFilter& operator=(const PacketFilter&) = delete;

  // Parses and judges one contiguous frame. `tables` is the generation loaded for this burst
  // (nullptr before the first publish: everything drops). Never allocates, throws or reads
  // past `length`.
  Decision judge(const uint8_t* frame, uint32_t length, const PolicyTables* tables,
                 uint64_t now_ns) noexcept {
    return decide_frame(frame, length, scratch_, tables, tables ? tables->generation : 0, flows_,
                        fragments_, now_ns, config_, counters_);
  }

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

 private:
  static constexpr uint32_t kSweepBudget = 128;

  FirewallConfig config_;
  FlowTable flows_;
  FragmentTracker fragments_;
  WorkerCounters counters_;
  ParsedPacket scratch_;
};

}  // namespace podwall
