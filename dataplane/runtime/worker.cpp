#include "dataplane/runtime/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_random.h>

#include "dataplane/runtime/log.h"

namespace podwall {

Worker::Worker(const WorkerSetup& setup, const DataplaneConfig& config)
    : setup_(setup),
      counters_(size_t(setup.max_port_id) + 1),
      macs_(config.mac_table_entries, uint64_t(config.mac_ageing_seconds) * rte_get_tsc_hz()),
      filter_(config, rte_rand()),
      tx_(size_t(setup.max_port_id) + 1),
      tsc_hz_(rte_get_tsc_hz()),
      ns_per_tick_q32_(
          uint64_t((static_cast<unsigned __int128>(1'000'000'000ull) << 32) / rte_get_tsc_hz())) {
  filter_.mirror(counters_.pipeline);
}

Worker::~Worker() = default;

int Worker::run() {
  const unsigned id = setup_.index;
  Publisher& publisher = *setup_.publisher;
  PW_LOG(worker, INFO, "worker %u on lcore %u: polling %zu queue(s)\n", id, setup_.lcore,
         setup_.rx.size());
  publisher.online(id);
  polling_.store(true, std::memory_order_release);
  uint64_t seen_generation = 0;
  uint64_t next_mirror = 0;
  const uint64_t mirror_period = tsc_hz_ / 1000;
  rte_mbuf* frames[kBurst];

  while (running_.load(std::memory_order_acquire)) {
    // Nothing loaded in the previous iteration is used past this point.
    publisher.quiescent(id);
    const PolicyTables* tables = publisher.current();
    if (tables != nullptr && tables->generation != seen_generation) {
      seen_generation = tables->generation;
      generation_.store(seen_generation, std::memory_order_release);
    }
    const uint64_t now_tsc = rte_rdtsc();
    const uint64_t now_ns = tsc_to_ns(now_tsc);
    for (const RxQueue& rx : setup_.rx) {
      uint16_t n = rte_eth_rx_burst(rx.port, rx.queue, frames, kBurst);
      if (n == 0) continue;
      handle_burst(rx.port, frames, n, tables, now_tsc, now_ns);
      flush_all();
    }
    filter_.expire(now_ns);
    counters_.loops.add();
    if (now_tsc >= next_mirror) {
      filter_.mirror(counters_.pipeline);
      next_mirror = now_tsc + mirror_period;
    }
  }

  // Offline before returning: a stopped worker must not hold up a grace period.
  polling_.store(false, std::memory_order_release);
  publisher.offline(id);
  filter_.mirror(counters_.pipeline);
  PW_LOG(worker, INFO, "worker %u on lcore %u stopped\n", id, setup_.lcore);
  return 0;
}

void Worker::handle_burst(uint16_t in_port, rte_mbuf** frames, uint16_t n,
                          const PolicyTables* tables, uint64_t now_tsc, uint64_t now_ns) {
  PortCounters& in = counters_.port[in_port];
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) bytes += rte_pktmbuf_pkt_len(frames[i]);
  in.rx_packets.add(n);
  in.rx_bytes.add(bytes);

  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = frames[i];
    if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(frames[i + 1], void*));
    if (m->nb_segs != 1) {
      drop(m, RuntimeDrop::multi_segment);
      continue;
    }
    // Fails closed by itself while `tables` is null (tables_not_ready), and never passes a
    // frame shorter than an Ethernet header.
    Decision d =
        filter_.judge(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), tables, now_ns);
    if (!d.passed()) {
      rte_pktmbuf_free(m);
      continue;
    }
    forward(in_port, m, now_tsc);
  }
}

void Worker::forward(uint16_t in_port, rte_mbuf* m, uint64_t now) {
  // The parser passed it, so a whole Ethernet header is there.
  const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint64_t dst = mac_key(eth);
  const uint64_t src = mac_key(eth + 6);
  macs_.learn(src, in_port, now);

  if (!mac_is_group(dst)) {
    uint16_t out = macs_.lookup(dst, now);
    if (out != kNoPort) {
      if (out == in_port) {
        drop(m, RuntimeDrop::same_port);
      } else {
        enqueue(out, m);
      }
      return;
    }
  }
  // Broadcast, multicast or unknown unicast: every port but the ingress one. Each port gets
  // its own copy (PMDs such as net_ring hand the mbuf itself to a consumer that may write it);
  // the last port gets the original.
  const std::vector<uint16_t>& ports = setup_.ports;
  size_t targets = ports.size() - 1;
  if (targets == 0) {
    drop(m, RuntimeDrop::no_other_port);
    return;
  }
  for (uint16_t port : ports) {
    if (port == in_port) continue;
    rte_mbuf* frame = m;
    if (--targets > 0) {
      frame = rte_pktmbuf_copy(m, setup_.pool, 0, UINT32_MAX);
      if (frame == nullptr) {
        counters_.runtime_drops[size_t(RuntimeDrop::flood_no_mbuf)].add();
        continue;
      }
    }
    counters_.port[port].flooded.add();
    enqueue(port, frame);
  }
}

void Worker::enqueue(uint16_t port, rte_mbuf* frame) {
  TxBuffer& tx = tx_[port];
  if (tx.count == kBurst) flush(port);
  tx.frames[tx.count++] = frame;
}

void Worker::flush(uint16_t port) {
  TxBuffer& tx = tx_[port];
  if (tx.count == 0) return;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < tx.count; ++i) bytes += rte_pktmbuf_pkt_len(tx.frames[i]);
  uint16_t sent = rte_eth_tx_burst(port, setup_.tx_queue, tx.frames, tx.count);
  PortCounters& out = counters_.port[port];
  if (sent < tx.count) {
    // The PMD owns frames[0, sent); the rest are still ours.
    for (uint16_t i = sent; i < tx.count; ++i) {
      bytes -= rte_pktmbuf_pkt_len(tx.frames[i]);
      rte_pktmbuf_free(tx.frames[i]);
    }
    uint16_t refused = tx.count - sent;
    out.tx_full.add(refused);
    counters_.runtime_drops[size_t(RuntimeDrop::tx_full)].add(refused);
  }
  out.tx_packets.add(sent);
  out.tx_bytes.add(bytes);
  tx.count = 0;
}

void Worker::flush_all() {
  for (uint16_t port : setup_.ports) flush(port);
}

void Worker::drop(rte_mbuf* frame, RuntimeDrop reason) {
  rte_pktmbuf_free(frame);
  counters_.runtime_drops[size_t(reason)].add();
}

uint32_t Worker::mac_entries() const {
  return macs_.count(rte_rdtsc());
}

}  // namespace podwall
