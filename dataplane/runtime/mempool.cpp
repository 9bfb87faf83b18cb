#include "dataplane/runtime/mempool.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <bit>

namespace podwall {

MempoolSize size_mempool(const std::vector<PortPlan>& ports, unsigned workers, unsigned in_rings) {
  uint64_t mbufs = in_rings;
  uint32_t max_frame = RTE_ETHER_MAX_LEN;
  for (const PortPlan& p : ports) {
    mbufs += uint64_t(p.queues) * (p.rx_descriptors + p.tx_descriptors);
    max_frame = std::max(max_frame, p.max_frame);
  }
  // Per worker: its cache, one rx burst, one tx buffer per port, one flood copy per port, and
  // the batches it holds for each peer (judge and send).
  mbufs += uint64_t(workers) * (kMempoolCache + kBurst * (1 + 2 * ports.size() + 2 * workers));
  mbufs += 1024;  // slack for PMDs that hold buffers outside their rings (af_packet, memif)
  // A mempool is most memory-efficient at 2^n - 1 elements.
  uint64_t rounded = std::bit_ceil(mbufs + 1) - 1;
  MempoolSize size;
  size.mbufs = uint32_t(std::min<uint64_t>(rounded, 1u << 22));
  // Never below DPDK's default buffer: some PMDs size their rx copies by their own frame
  // size rather than the MTU (net_af_packet needs ~2 KB whatever the MTU).
  uint32_t room = std::max<uint32_t>(RTE_MBUF_DEFAULT_BUF_SIZE, RTE_PKTMBUF_HEADROOM + max_frame);
  room = (room + 63) & ~63u;
  size.data_room = uint16_t(std::min<uint32_t>(room, UINT16_MAX & ~63u));
  return size;
}

rte_mempool* create_mempool(const MempoolSize& size, int socket) {
  return rte_pktmbuf_pool_create("podwall_mbufs", size.mbufs, kMempoolCache, 0, size.data_room,
                                 socket);
}

}  // namespace podwall
