// Queue layout: every rx queue has exactly one poller, and every worker can reach every port
// through a worker that owns a tx queue on it.
#include "dataplane/runtime/layout.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace podwall {
namespace {

void check(unsigned workers, const std::vector<PortQueues>& ports, uint16_t max_port) {
  auto layout = lay_out_workers(workers, ports, max_port);
  ASSERT_EQ(layout.size(), workers);
  std::map<std::pair<uint16_t, uint16_t>, int> pollers;
  for (const WorkerLayout& l : layout)
    for (const RxQueue& rx : l.rx) ++pollers[{rx.port, rx.queue}];
  for (const PortQueues& p : ports) {
    for (uint16_t q = 0; q < p.queues; ++q)
      EXPECT_EQ((pollers[{p.port_id, q}]), 1) << "port " << p.port_id << " queue " << q;
  }
  size_t total = 0;
  for (const PortQueues& p : ports) total += p.queues;
  EXPECT_EQ(pollers.size(), total);

  for (unsigned w = 0; w < workers; ++w) {
    for (const PortQueues& p : ports) {
      const TxRoute& r = layout[w].tx[p.port_id];
      ASSERT_LT(r.via, workers);
      // The worker it goes through transmits directly, on a queue that exists and that no
      // other direct transmitter uses.
      const TxRoute& owner = layout[r.via].tx[p.port_id];
      EXPECT_EQ(owner.via, r.via);
      EXPECT_LT(owner.queue, p.queues);
      EXPECT_EQ(r.queue, owner.queue);
    }
  }
  for (const PortQueues& p : ports) {
    std::map<uint16_t, int> direct;
    for (unsigned w = 0; w < workers; ++w)
      if (layout[w].tx[p.port_id].via == w) ++direct[layout[w].tx[p.port_id].queue];
    for (const auto& [queue, users] : direct) EXPECT_EQ(users, 1) << "tx queue " << queue;
  }
}

TEST(Layout, OneWorkerDoesEverything) {
  check(1, {{0, 1}, {1, 1}, {2, 1}}, 2);
  auto l = lay_out_workers(1, {{0, 1}, {1, 1}}, 1);
  EXPECT_EQ(l[0].rx.size(), 2u);
  EXPECT_EQ(l[0].tx[1].via, 0u);
}

TEST(Layout, SingleQueuePortsSpreadOverWorkers) {
  auto l = lay_out_workers(2, {{0, 1}, {1, 1}}, 1);
  ASSERT_EQ(l[0].rx.size(), 1u);
  ASSERT_EQ(l[1].rx.size(), 1u);
  EXPECT_NE(l[0].rx[0].port, l[1].rx[0].port);
  EXPECT_EQ(l[1].tx[0].via, 0u);  // worker 1 sends through worker 0, owner of tx queue 0
  check(2, {{0, 1}, {1, 1}}, 1);
}

TEST(Layout, MixedQueueCounts) {
  check(3, {{0, 1}, {1, 3}, {4, 2}}, 4);
  check(4, {{0, 2}, {1, 4}, {2, 1}}, 2);
  check(2, {{0, 2}, {1, 2}}, 1);
}

}  // namespace
}  // namespace podwall
