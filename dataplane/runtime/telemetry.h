#pragma once
// podwall's DPDK telemetry commands (read them with dpdk-telemetry.py):
//   /podwall/stats          totals: packets, drops by reason, flows, conntrack occupancy
//   /podwall/ports          the bridge's port ids
//   /podwall/port,ID        one port: name, driver, MTU, link, packet counters
//   /podwall/workers        the worker indexes
//   /podwall/worker,N       one worker: lcore, generation, counters, drops by reason
//   /podwall/generation     the published generation and the one each worker runs
//   /podwall/reload         hot reload: generation, reloads, latency p50/p99 (control side)
//
// Callbacks run on EAL's telemetry thread. They read worker counters with relaxed atomic loads
// and the rest of the state under a mutex that attach/detach also take, so a request arriving
// during shutdown sees "no dataplane" instead of freed memory.

#include "dataplane/runtime/dataplane_impl.h"

namespace podwall {

// Main thread, after rte_eal_init. Registers the commands (once per process).
void register_telemetry();

// Control thread: the state the commands report on; detach before freeing it.
void telemetry_attach(const Dataplane::Impl* impl);
void telemetry_detach();

}  // namespace podwall
