#pragma once
// One poll-mode worker: the per-packet path.
//
//   rx burst -> [several workers: hand frames whose flow another worker owns to that worker]
//            -> (multi-segment? drop) -> packet filter: parse, fragments, conntrack, policy
//            -> bridge: learn source MAC, look up destination (known: one port; unknown,
//               broadcast, multicast: every other port; never back out of the ingress port)
//            -> tx buffer per port [or, for a port whose tx queue another worker owns, that
//               worker's send ring] -> tx burst per port (refused frames freed, tx_full)
//
// The filter runs before learning so that a frame the policy drops (or cannot parse) never
// moves a MAC table entry: a pod cannot pull a victim's replies to its own port by sending
// denied traffic from the victim's MAC.
//
// Threads: constructed and destroyed by the control thread; run() executes on the worker's
// lcore; request_stop() and the accessors are for any other thread. The loop never allocates,
// locks, throws or logs per packet.

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <boost/lockfree/spsc_queue.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/runtime/counters.h"
#include "dataplane/runtime/dataplane.h"
#include "dataplane/runtime/flow_event.h"
#include "dataplane/runtime/flow_owner.h"
#include "dataplane/runtime/handoff.h"
#include "dataplane/runtime/layout.h"
#include "dataplane/runtime/mac_table.h"
#include "dataplane/runtime/mempool.h"
#include "dataplane/runtime/packet_filter.h"
#include "dataplane/runtime/publisher.h"

namespace podwall {

struct WorkerSetup {
  unsigned index = 0;  // RCU reader id, 0..workers-1
  unsigned lcore = 0;
  unsigned workers = 1;
  std::vector<RxQueue> rx;      // what it polls
  std::vector<uint16_t> ports;  // every port of the bridge (flood targets), ascending
  uint16_t max_port_id = 0;     // ports[] values are <= max_port_id
  std::vector<TxRoute> tx;      // by port id
  rte_mempool* pool = nullptr;  // for flood copies
  Publisher* publisher = nullptr;
  const Handoff* handoff = nullptr;  // several workers only
  uint64_t owner_seed = 0;           // the same in every worker
};

class Worker {
 public:
  Worker(const WorkerSetup& setup, const DataplaneConfig& config);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Worker lcore only (rte_eal_remote_launch). Polls until request_stop(). Returns 0.
  int run();
  static int launch_entry(void* self) { return static_cast<Worker*>(self)->run(); }

  // Any thread.
  void request_stop() { running_.store(false, std::memory_order_release); }
  unsigned lcore() const { return setup_.lcore; }
  unsigned index() const { return setup_.index; }
  // The generation of the last burst this worker ran (0 before the first publish), and
  // whether it is still polling.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  bool polling() const { return polling_.load(std::memory_order_acquire); }
  const RuntimeCounters& counters() const { return counters_; }

  // Control thread, after run() has returned: live MAC entries, for the final report.
  uint32_t mac_entries() const;

  // The control thread only (the queue's one consumer): moves up to `max` of the flow events
  // this worker reported into `out`, oldest first; returns how many.
  size_t take_flow_events(FlowEvent* out, size_t max) { return events_.pop(out, max); }

  // The flow listing (podwallctl flows), control thread only. Asks the worker to walk its flow
  // table, a slice per loop so that forwarding goes on, into a buffer of kMaxListedFlows
  // records that only the worker writes; returns the ticket to wait for. A new request
  // replaces one under way.
  static constexpr uint32_t kMaxListedFlows = 65536;
  uint64_t request_flow_listing();
  // Once the worker has walked the whole table for `ticket`: true, with the records it found
  // (the first kMaxListedFlows live ones) and how many live flows it met in all. The records
  // stay valid until the next request.
  bool flow_listing(uint64_t ticket, const FlowRecord*& records, uint32_t& listed,
                    uint64_t& live) const;

 private:
  struct Batch {
    uint16_t count = 0;
    rte_mbuf* frames[kBurst];
  };

  void poll_rx(const RxQueue& rx, const PolicyTables* tables, uint64_t now_tsc, uint64_t now_ns);
  void poll_peers(const PolicyTables* tables, uint64_t now_tsc, uint64_t now_ns);
  // Judges a burst of frames (mbuf->port: the ingress port) and forwards those that pass.
  void process_burst(rte_mbuf* const frames[], uint16_t n, const PolicyTables* tables,
                     uint64_t now_tsc, uint64_t now_ns);
  void forward(uint16_t in_port, rte_mbuf* frame, uint64_t now_tsc);
  void enqueue(uint16_t port, rte_mbuf* frame);
  void flush(uint16_t port);
  void flush_send(unsigned peer);
  void flush_all();
  void drop(rte_mbuf* frame, RuntimeDrop reason);
  void report(uint32_t judged, uint16_t in_port, const Decision& decision,
              const PolicyTables& tables, uint64_t now_tsc);
  void continue_flow_listing(uint64_t now_ns);
  uint64_t tsc_to_ns(uint64_t tsc) const {
    return uint64_t((static_cast<unsigned __int128>(tsc) * ns_per_tick_q32_) >> 32);
  }

  WorkerSetup setup_;
  RuntimeCounters counters_;
  MacTable macs_;
  PacketFilter filter_;
  bool report_flows_;    // DataplaneConfig::flow_events
  bool report_allowed_;  // and flow_events_allowed
  FlowOwner owner_;
  ParsedPacket owner_scratch_;
  std::vector<Batch> tx_;     // by port id: frames for our own tx queue
  std::vector<Batch> send_;   // by worker: frames for ports whose tx queue that worker owns
  std::vector<Batch> judge_;  // by worker: received frames whose flow that worker owns
  std::atomic<bool> running_{true};
  std::atomic<bool> polling_{false};
  std::atomic<uint64_t> generation_{0};
  uint64_t tsc_hz_ = 0;
  uint64_t ns_per_tick_q32_ = 0;  // nanoseconds per TSC tick, 32.32 fixed point

  // The flow listing. The control thread allocates the buffer before its first request and
  // never again, then publishes each request by `listing_asked_` (release); the worker
  // answers by `listing_done_` (release) once the walk is complete, and touches the buffer
  // and the counts only between the two.
  std::unique_ptr<FlowRecord[]> listing_;
  std::atomic<uint64_t> listing_asked_{0};
  std::atomic<uint64_t> listing_done_{0};
  uint64_t listing_serving_ = 0;  // worker: the request being walked, or last answered
  uint32_t listing_cursor_ = 0;
  uint32_t listing_count_ = 0;
  uint64_t listing_live_ = 0;
  // Flow events for the control thread, last so that the members above, read every loop, share
  // their cache lines and page: fixed storage, wait-free push, one producer (this
  // worker) and one consumer (the control thread). The control thread empties it at least every
  // 50 ms, so it overflows only under thousands of denied connection attempts a second, and
  // then the events are counted as lost rather than slowing the worker.
  static constexpr size_t kFlowEventQueue = 4096;
  boost::lockfree::spsc_queue<FlowEvent, boost::lockfree::capacity<kFlowEventQueue>> events_;
};

}  // namespace podwall
