#pragma once
// Counters the workers keep and everyone else reads.
//
// Each counter has exactly one writer, the worker that owns it; readers are the telemetry
// thread (DPDK's), the control thread (periodic and final print) and podwallctl through
// telemetry. Counters are std::atomic<uint64_t> written with relaxed load + relaxed store
// (not a locked read-modify-write: there is one writer) and read with relaxed loads. On x86
// both compile to plain moves, so the fast path pays nothing, and readers never see a torn
// value on any architecture.
//
// The packet pipeline (dataplane/conntrack) keeps its own counters as plain integers inside
// the worker. Other threads never read those: the worker copies them into the atomic mirror
// below about every millisecond and when it stops, so telemetry is at most that stale and
// there is no data race. Sums are exact once the workers have stopped.

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "dataplane/packet/drop_reason.h"

namespace podwall {

class Counter {
 public:
  void add(uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(uint64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
  uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Why the runtime itself (bridge and ports, not the packet pipeline) dropped a frame.
enum class RuntimeDrop : uint8_t {
  multi_segment,  // frame arrived in several mbufs; podwall judges contiguous frames only
  same_port,      // destination MAC was learnt on the ingress port (bridge filtering)
  no_other_port,  // nowhere to flood: the bridge has a single port
  flood_no_mbuf,  // mempool empty when copying a flooded frame for one more port
  tx_full,        // the port's tx queue did not accept the frame
  handoff_full,   // the ring to the worker owning the flow (or the tx queue) was full
  count_
};
inline constexpr size_t kRuntimeDrops = size_t(RuntimeDrop::count_);

inline const char* runtime_drop_name(RuntimeDrop r) {
  switch (r) {
    case RuntimeDrop::multi_segment:
      return "multi_segment";
    case RuntimeDrop::same_port:
      return "same_port";
    case RuntimeDrop::no_other_port:
      return "no_other_port";
    case RuntimeDrop::flood_no_mbuf:
      return "flood_no_mbuf";
    case RuntimeDrop::tx_full:
      return "tx_full";
    case RuntimeDrop::handoff_full:
      return "handoff_full";
    case RuntimeDrop::count_:
      break;
  }
  return "?";
}

// What one worker did on one port.
struct PortCounters {
  Counter rx_packets;
  Counter rx_bytes;
  Counter tx_packets;
  Counter tx_bytes;
  Counter tx_full;  // frames the tx queue refused (freed, also in RuntimeDrop::tx_full)
  Counter flooded;  // frames sent to this port because the destination was not known
  // Frames received on this port that the packet pipeline dropped, by DropReason ([none]
  // stays 0): which pod sends what gets dropped. Counted only for dropped frames.
  std::array<Counter, kDropReasonCount> drops;
};

// The pipeline's counters (conntrack/counters.h), mirrored for other threads.
struct PipelineCounters {
  std::array<Counter, kDropReasonCount> drops;  // by DropReason; [none] stays 0
  Counter passed;
  Counter l2_control_passed;
  Counter unknown_ethertype_passed;
  Counter fragments_passed;
  Counter icmp_errors_related;
  Counter flows_allowed;
  Counter flows_denied;
  Counter flows_rechecked;
  Counter flows_revoked;
  Counter flows_expired;
  Counter conntrack_entries;
  Counter conntrack_capacity;
  Counter fragment_datagrams;
  Counter fragment_capacity;
};

// Everything one worker counts. Allocated by the control thread before the worker starts.
struct alignas(64) RuntimeCounters {
  explicit RuntimeCounters(size_t ports) : port(ports) {}

  std::vector<PortCounters> port;  // by DPDK port id
  std::array<Counter, kRuntimeDrops> runtime_drops;
  PipelineCounters pipeline;
  Counter loops;  // poll-loop iterations, to see that a worker is alive
  // With several workers (README: Several workers and conntrack): frames given to the worker
  // that owns their flow, and frames given to the worker that owns the egress tx queue.
  Counter handed_off;
  Counter handed_off_tx;
  // Policy verdicts reported for the flow log (flow_event.h), and those the full queue to the
  // control thread had no room for.
  Counter flow_events;
  Counter flow_events_lost;
};

}  // namespace podwall
