#pragma once
// The one packet-buffer pool every port and worker draws from. Control thread only.

#include <rte_mempool.h>

#include <cstdint>
#include <vector>

#include "dataplane/runtime/ports.h"

namespace podwall {

inline constexpr uint16_t kBurst = 32;
inline constexpr unsigned kMempoolCache = 256;

struct MempoolSize {
  uint32_t mbufs = 0;
  uint16_t data_room = 0;  // bytes per mbuf, headroom included
};

// Enough mbufs to fill every rx and tx ring of every port, plus each worker's mempool cache
// and the bursts a worker holds in flight (one rx burst, a tx buffer per port, and the copies
// flooding makes), plus slack. Buffers hold the largest frame any port's MTU allows, so
// frames arrive in one segment wherever the PMD honours the data room.
// `in_rings` is what the workers' hand-off rings can hold (handoff.h).
MempoolSize size_mempool(const std::vector<PortPlan>& ports, unsigned workers, unsigned in_rings);

// nullptr on failure (rte_errno set).
rte_mempool* create_mempool(const MempoolSize& size, int socket);

}  // namespace podwall
