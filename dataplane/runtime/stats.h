#pragma once
// Sums of the workers' counters, for telemetry, the periodic print and the final report.
// Any thread; reads counters with relaxed loads (see counters.h).

#include <cstdint>
#include <vector>

#include "dataplane/runtime/counters.h"

namespace podwall {

struct PortTotals {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_full = 0;
  uint64_t flooded = 0;
  uint64_t drops[kDropReasonCount] = {};  // the pipeline's, of frames received here

  uint64_t dropped() const;
};

// Calls f(name, value) for the pipeline's drop reasons of one port as "drop_<reason>".
template <class F>
void for_each_port_drop(const PortTotals& p, F&& f);

struct Totals {
  std::vector<PortTotals> port;  // by port id
  uint64_t runtime_drops[kRuntimeDrops] = {};
  uint64_t pipeline_drops[kDropReasonCount] = {};
  uint64_t passed = 0;
  uint64_t l2_control_passed = 0;
  uint64_t unknown_ethertype_passed = 0;
  uint64_t fragments_passed = 0;
  uint64_t icmp_errors_related = 0;
  uint64_t flows_allowed = 0;
  uint64_t flows_denied = 0;
  uint64_t flows_rechecked = 0;
  uint64_t flows_revoked = 0;
  uint64_t flows_expired = 0;
  uint64_t conntrack_entries = 0;
  uint64_t conntrack_capacity = 0;
  uint64_t fragment_datagrams = 0;
  uint64_t fragment_capacity = 0;
  uint64_t loops = 0;
  uint64_t handed_off = 0;
  uint64_t handed_off_tx = 0;
  uint64_t flow_events = 0;
  uint64_t flow_events_lost = 0;

  PortTotals all_ports() const;
  uint64_t dropped() const;
};

// Adds one worker's counters into `totals` (sized on first use).
void accumulate(const RuntimeCounters& counters, Totals& totals);

// Calls f(name, value) for every counter of `t` except the per-port ones, drop reasons as
// "drop_<reason>": the one list telemetry and the text report both print.
template <class F>
void for_each_total(const Totals& t, F&& f);

}  // namespace podwall

#include "dataplane/runtime/stats_inl.h"
