#include "dataplane/runtime/publisher.h"

#include <rte_malloc.h>

#include <chrono>

#include "dataplane/runtime/log.h"

namespace podwall {

Publisher::Publisher(unsigned workers) {
  unsigned readers = workers == 0 ? 1 : workers;
  size_t size = rte_rcu_qsbr_get_memsize(readers);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("podwall_rcu", size, RTE_CACHE_LINE_SIZE));
  if (qsbr_ == nullptr) return;
  if (rte_rcu_qsbr_init(qsbr_, readers) != 0) {
    rte_free(qsbr_);
    qsbr_ = nullptr;
  }
}

Publisher::~Publisher() {
  delete current_.exchange(nullptr, std::memory_order_acq_rel);
  rte_free(qsbr_);
}

uint64_t Publisher::publish(std::unique_ptr<PolicyTables> tables) {
  std::lock_guard<std::mutex> lock(publish_mutex_);
  if (!tables) return generation_.load(std::memory_order_relaxed);  // nothing to publish
  retired_.reset();
  uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
  tables->generation = generation;
  const PolicyTables* old = current_.exchange(tables.release(), std::memory_order_acq_rel);
  auto visible = std::chrono::steady_clock::now();
  live_since_ns_.store(uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count()),
                       std::memory_order_relaxed);
  generation_.store(generation, std::memory_order_release);
  // Wait until every online worker has reported quiescence after the exchange: none can still
  // hold `old`. The control thread is not an RCU reader, hence RTE_QSBR_THRID_INVALID.
  rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
  last_grace_ns_.store(uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now() - visible)
                                    .count()),
                       std::memory_order_relaxed);
  retired_.reset(old);
  PW_LOG(control, INFO, "generation %lu live\n", static_cast<unsigned long>(generation));
  return generation;
}

void Publisher::reclaim() {
  std::lock_guard<std::mutex> lock(publish_mutex_);
  retired_.reset();
}

}  // namespace podwall
