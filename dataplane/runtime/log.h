#pragma once
// podwall's DPDK log types (podwall.control, podwall.port, podwall.worker, podwall.telemetry),
// so `--log-level=podwall.port:debug` or `--log-level='podwall.*:warning'` work like any DPDK
// component's. Never log per packet: workers log only when they start and stop.

#include <rte_log.h>

namespace podwall {

struct LogTypes {
  int control = RTE_LOGTYPE_USER1;
  int port = RTE_LOGTYPE_USER1;
  int worker = RTE_LOGTYPE_USER1;
  int telemetry = RTE_LOGTYPE_USER1;
};

// Main thread, after rte_eal_init (which saved the --log-level patterns these pick up).
void register_log_types();

extern LogTypes log_types;

}  // namespace podwall

// PW_LOG(port, INFO, "port %u up\n", id): the message gets a "podwall.<type>: " prefix.
#define PW_LOG(type, level, fmt, ...) \
  rte_log(RTE_LOG_##level, ::podwall::log_types.type, "podwall." #type ": " fmt, ##__VA_ARGS__)
