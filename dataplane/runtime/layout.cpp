#include "dataplane/runtime/layout.h"

namespace podwall {

std::vector<WorkerLayout> lay_out_workers(unsigned workers, const std::vector<PortQueues>& ports,
                                          uint16_t max_port_id) {
  std::vector<WorkerLayout> layout(workers);
  for (unsigned w = 0; w < workers; ++w) {
    WorkerLayout& l = layout[w];
    l.tx.resize(size_t(max_port_id) + 1);
    for (size_t k = 0; k < ports.size(); ++k) {
      const PortQueues& p = ports[k];
      uint16_t queues = p.queues == 0 ? 1 : p.queues;
      for (uint16_t q = 0; q < queues; ++q)
        if ((k + q) % workers == w) l.rx.push_back(RxQueue{p.port_id, q});
      TxRoute& route = l.tx[p.port_id];
      route.via = w % queues;
      route.queue = uint16_t(route.via);
    }
  }
  return layout;
}

}  // namespace podwall
