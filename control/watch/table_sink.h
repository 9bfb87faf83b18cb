#pragma once
// Where compiled tables go: the running dataplane in the daemon, nothing at all in the
// DPDK-free benchmark and tests. Keeps control/watch free of DPDK.
//
// Thread: the control thread calls every method.

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/policy/tables.h"

namespace podwall {

class TableSink {
 public:
  virtual ~TableSink() = default;

  // Makes `tables` the live generation; returns its number. May block for an RCU grace period.
  // Keeps `tables` alive and unchanged (but for `generation`) at least until the next publish:
  // the reloader builds the next generation from them.
  virtual uint64_t publish(std::unique_ptr<PolicyTables> tables) = 0;
  // Frees what the last publish replaced, if the sink kept it for later. Called once the
  // reload is done and timed.
  virtual void reclaim() {}
  // The generation published last (0: none).
  virtual uint64_t generation() const = 0;
  // The generation each worker last ran (empty without workers).
  virtual std::vector<uint64_t> worker_generations() const = 0;
  // True once every running worker runs `generation` or later; false after `timeout`.
  virtual bool wait_all(uint64_t generation, std::chrono::milliseconds timeout) const = 0;
};

}  // namespace podwall
