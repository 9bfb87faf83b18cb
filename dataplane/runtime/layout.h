#pragma once
// Which worker polls which rx queue, and how each worker reaches each port's tx side.
//
//   rx: queue q of the k-th port is polled by worker (k + q) mod W, so every queue has exactly
//       one poller and single-queue ports spread over the workers;
//   tx: tx queue q belongs to worker q. A worker with no queue of its own on a port (the port
//       has fewer queues than there are workers) hands frames to worker (its index mod Q),
//       which owns queue (index mod Q) and transmits them (handoff.h).
//
// Which worker *judges* a frame is a separate matter (flow_owner.h). DPDK-free and pure;
// control thread, at start-up.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace podwall {

struct PortQueues {
  uint16_t port_id;
  uint16_t queues;  // rx and tx queue pairs, >= 1
};

// A (port, queue) pair a worker polls.
struct RxQueue {
  uint16_t port;
  uint16_t queue;
};

// How a worker transmits on one port: on tx queue `queue` itself when `via` is its own index,
// else through worker `via`.
struct TxRoute {
  uint16_t queue = 0;
  unsigned via = 0;
};

struct WorkerLayout {
  std::vector<RxQueue> rx;
  std::vector<TxRoute> tx;  // by port id, max_port_id + 1 entries
};

std::vector<WorkerLayout> lay_out_workers(unsigned workers, const std::vector<PortQueues>& ports,
                                          uint16_t max_port_id);

}  // namespace podwall
