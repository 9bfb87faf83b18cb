#pragma once
// Hands immutable policy generations to the workers: one atomic pointer plus DPDK's QSBR RCU.
//
//   control thread                          worker i (one poll-loop iteration)
//   --------------                          ----------------------------------
//   build tables off to the side            quiescent(i)   <- "I hold no old pointer now"
//   tables->generation = N                  t = current()  <- acquire load, once per iteration
//   current_.store(t, release)              ...classify packets with *t...
//   rte_rcu_qsbr_synchronize()  ---------->   (returns once every online worker reported
//   delete generation N-1                      quiescence after the store)
//
// A worker therefore uses a table for at most one iteration after it was replaced, and the
// control thread frees it only after every online worker has passed a quiescent state. Workers
// never block and never lock; the control thread blocks for one grace period per publish.
// A worker that stops polling goes offline first, so it cannot stall a publish.

#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "dataplane/policy/tables.h"

namespace podwall {

class Publisher {
 public:
  // Control thread. `workers` is the number of RCU reader ids (0 .. workers-1).
  explicit Publisher(unsigned workers);
  // Control thread, after every worker has stopped: frees the live generation.
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  bool ok() const { return qsbr_ != nullptr; }

  // Control thread, before the worker is launched / after it returned.
  void register_worker(unsigned id) { rte_rcu_qsbr_thread_register(qsbr_, id); }
  void unregister_worker(unsigned id) { rte_rcu_qsbr_thread_unregister(qsbr_, id); }

  // Worker `id` only. online() when it starts polling, offline() before it stops (or before
  // anything that may block), quiescent() once per loop iteration, before current().
  void online(unsigned id) { rte_rcu_qsbr_thread_online(qsbr_, id); }
  void offline(unsigned id) { rte_rcu_qsbr_thread_offline(qsbr_, id); }
  void quiescent(unsigned id) { rte_rcu_qsbr_quiescent(qsbr_, id); }

  // Any thread. Workers: valid until their next quiescent(). nullptr before the first publish.
  const PolicyTables* current() const { return current_.load(std::memory_order_acquire); }

  // Control thread(s); serialised. Stamps and publishes `tables`, waits for a grace period and
  // retires the previous generation: no worker holds it any more, and reclaim() frees it (as
  // does the next publish). Freeing tens of megabytes is kept out of publish() so that the
  // time until a new policy is in force does not include it. Returns the new generation
  // number (1, 2, ...).
  uint64_t publish(std::unique_ptr<PolicyTables> tables);
  // Control thread(s): frees the retired generation, if any.
  void reclaim();

  // Any thread: the last generation published (0: none).
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Any thread: when the last generation became visible to the workers (Unix time, ns), how
  // long its grace period took (ns), and how many generations were published in all.
  uint64_t live_since_unix_ns() const { return live_since_ns_.load(std::memory_order_relaxed); }
  uint64_t last_grace_ns() const { return last_grace_ns_.load(std::memory_order_relaxed); }

 private:
  rte_rcu_qsbr* qsbr_ = nullptr;
  std::atomic<const PolicyTables*> current_{nullptr};
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> live_since_ns_{0};
  std::atomic<uint64_t> last_grace_ns_{0};
  std::unique_ptr<const PolicyTables> retired_;  // past its grace period; under publish_mutex_
  std::mutex publish_mutex_;                     // control threads only; workers never touch it
};

}  // namespace podwall
