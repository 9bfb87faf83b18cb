#pragma once
// podwall-gen's ports: one tx and one rx port (possibly the same), one queue each, checked up
// front so a missing or dead port gets a message that says what to do about it.
// Thread: main lcore, before and after the traffic lcores run.

#include <rte_mempool.h>

#include <cstdint>
#include <string>

#include "dataplane/gen/options.h"

namespace podwall::gen {

struct GenPorts {
  uint16_t tx = 0;
  uint16_t rx = 0;
  rte_mempool* pool = nullptr;
  uint64_t tx_link_bps = 0;  // 0: the PMD reports no speed
};

// Resolves --tx-port/--rx-port, creates the mempool for frames up to `max_frame` bytes,
// configures and starts the ports and waits for their links. False with `error` set.
bool open_ports(const GenOptions& options, uint16_t max_frame, GenPorts& ports, std::string& error);
void close_ports(GenPorts& ports);

}  // namespace podwall::gen
