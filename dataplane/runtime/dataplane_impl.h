#pragma once
// The state behind the Dataplane facade. Internal to dataplane/runtime (telemetry reads it).

#include <rte_mempool.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "dataplane/runtime/dataplane.h"
#include "dataplane/runtime/handoff.h"
#include "dataplane/runtime/ports.h"
#include "dataplane/runtime/publisher.h"
#include "dataplane/runtime/stats.h"
#include "dataplane/runtime/worker.h"

namespace podwall {

struct Dataplane::Impl {
  DataplaneConfig config;
  bool started = false;
  bool stopped = false;
  rte_mempool* pool = nullptr;
  std::vector<PortPlan> ports;           // started ports, ascending id; fixed after start()
  std::vector<uint16_t> ports_to_close;  // configured (maybe not started) ports
  std::vector<uint16_t> ports_started;   // to stop before closing
  std::vector<bool> link_up;             // by index into ports; control thread only
  std::unique_ptr<Publisher> publisher;
  std::unique_ptr<Handoff> handoff;              // several workers only
  std::vector<std::unique_ptr<Worker>> workers;  // fixed after start()
  std::vector<bool> launched;
  mutable std::mutex reload_mutex;  // control thread writes, telemetry thread reads
  ReloadFigures reload;             // guarded by reload_mutex
  // One instant on both clocks, taken at start(): turns the workers' TSC readings into Unix
  // time for flow events.
  uint64_t clock_tsc = 0;
  uint64_t clock_unix_ns = 0;
  // The workers' flow_events_lost, summed, when take_flow_events() last looked.
  uint64_t flow_events_lost_taken = 0;
  // The flow listing under way (control thread only): the workers asked, each with its ticket.
  std::vector<std::pair<Worker*, uint64_t>> listing_asked;
  std::chrono::steady_clock::time_point listing_deadline{};

  Totals totals() const {
    Totals t;
    for (const auto& w : workers) accumulate(w->counters(), t);
    return t;
  }
};

}  // namespace podwall
