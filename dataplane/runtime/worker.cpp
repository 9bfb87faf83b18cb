#include "dataplane/runtime/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "dataplane/runtime/log.h"

namespace podwall {

static_assert(kBurst <= kMaxBurst, "a receive burst is judged in one decide_burst() call");

// Destination and source MAC, ethertype.
constexpr uint32_t kEthernetHeader = 14;

Worker::Worker(const WorkerSetup& setup, const DataplaneConfig& config)
    : setup_(setup),
      counters_(size_t(setup.max_port_id) + 1),
      macs_(config.mac_table_entries, uint64_t(config.mac_ageing_seconds) * rte_get_tsc_hz()),
      filter_(config, rte_rand()),
      report_flows_(config.flow_events),
      report_allowed_(config.flow_events && config.flow_events_allowed),
      owner_(setup.workers, setup.owner_seed),
      tx_(size_t(setup.max_port_id) + 1),
      send_(setup.workers),
      judge_(setup.workers),
      tsc_hz_(rte_get_tsc_hz()),
      ns_per_tick_q32_(
          uint64_t((static_cast<unsigned __int128>(1'000'000'000ull) << 32) / rte_get_tsc_hz())) {
  filter_.mirror(counters_.pipeline);
}

Worker::~Worker() = default;

int Worker::run() {
  const unsigned id = setup_.index;
  Publisher& publisher = *setup_.publisher;
  PW_LOG(worker, INFO, "worker %u on lcore %u: polling %zu queue(s)%s\n", id, setup_.lcore,
         setup_.rx.size(), setup_.workers > 1 ? " and its peers' rings" : "");
  publisher.online(id);
  polling_.store(true, std::memory_order_release);
  uint64_t seen_generation = 0;
  uint64_t next_mirror = 0;
  uint64_t next_sweep_ns = 0;
  const uint64_t mirror_period = tsc_hz_ / 1000;

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
    for (const RxQueue& rx : setup_.rx) poll_rx(rx, tables, now_tsc, now_ns);
    if (setup_.workers > 1) poll_peers(tables, now_tsc, now_ns);
    if (now_ns >= next_sweep_ns) {
      filter_.expire(now_ns);
      next_sweep_ns = now_ns + PacketFilter::kSweepPeriodNs;
    }
    continue_flow_listing(now_ns);
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

void Worker::poll_rx(const RxQueue& rx, const PolicyTables* tables, uint64_t now_tsc,
                     uint64_t now_ns) {
  rte_mbuf* frames[kBurst];
  uint16_t n = rte_eth_rx_burst(rx.port, rx.queue, frames, kBurst);
  if (n == 0) return;
  PortCounters& in = counters_.port[rx.port];
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) bytes += rte_pktmbuf_pkt_len(frames[i]);
  in.rx_packets.add(n);
  in.rx_bytes.add(bytes);

  const unsigned self = setup_.index;
  rte_mbuf* own[kBurst];
  uint16_t owned = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = frames[i];
    m->port = rx.port;  // the ingress port, for process_burst() and for a peer that judges it
    if (setup_.workers > 1 && m->nb_segs == 1) {
      if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(frames[i + 1], void*));
      unsigned owner = owner_.owner(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m),
                                    owner_scratch_);
      if (owner != kAnyWorker && owner != self) {
        judge_[owner].frames[judge_[owner].count++] = m;
        continue;
      }
    }
    own[owned++] = m;
  }
  if (setup_.workers > 1) {
    for (unsigned peer = 0; peer < setup_.workers; ++peer) {
      Batch& b = judge_[peer];
      if (b.count == 0) continue;
      unsigned sent = rte_ring_sp_enqueue_burst(
          setup_.handoff->judge(self, peer), reinterpret_cast<void**>(b.frames), b.count, nullptr);
      counters_.handed_off.add(sent);
      for (unsigned i = sent; i < b.count; ++i) drop(b.frames[i], RuntimeDrop::handoff_full);
      b.count = 0;
    }
  }
  process_burst(own, owned, tables, now_tsc, now_ns);
  flush_all();
}

void Worker::poll_peers(const PolicyTables* tables, uint64_t now_tsc, uint64_t now_ns) {
  const unsigned self = setup_.index;
  rte_mbuf* frames[kBurst];
  for (unsigned peer = 0; peer < setup_.workers; ++peer) {
    if (peer == self) continue;
    // Frames a peer received for flows we own: judge them as if we had received them.
    unsigned n = rte_ring_sc_dequeue_burst(setup_.handoff->judge(peer, self),
                                           reinterpret_cast<void**>(frames), kBurst, nullptr);
    process_burst(frames, uint16_t(n), tables, now_tsc, now_ns);
    // Frames a peer judged for a port whose tx queue we own: mbuf->port is the egress port.
    n = rte_ring_sc_dequeue_burst(setup_.handoff->send(peer, self),
                                  reinterpret_cast<void**>(frames), kBurst, nullptr);
    for (unsigned i = 0; i < n; ++i) enqueue(frames[i]->port, frames[i]);
  }
  flush_all();
}

void Worker::process_burst(rte_mbuf* const frames[], uint16_t n, const PolicyTables* tables,
                           uint64_t now_tsc, uint64_t now_ns) {
  rte_mbuf* whole[kBurst];
  const uint8_t* data[kBurst];
  uint32_t lengths[kBurst];
  uint16_t count = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = frames[i];
    if (m->nb_segs != 1) {
      drop(m, RuntimeDrop::multi_segment);
      continue;
    }
    whole[count] = m;
    data[count] = rte_pktmbuf_mtod(m, const uint8_t*);
    lengths[count] = rte_pktmbuf_data_len(m);
    // The bridge's buckets for this frame load while the burst is judged (forward() needs
    // them). A runt shorter than an Ethernet header is dropped by the parser and never
    // forwarded.
    if (lengths[count] >= kEthernetHeader) {
      macs_.prefetch(mac_key_wide(data[count]));
      macs_.prefetch(mac_key_wide(data[count] + 6));
    }
    ++count;
  }
  if (count == 0) return;
  // Fails closed by itself while `tables` is null (tables_not_ready), and never passes a
  // frame shorter than an Ethernet header.
  Decision decisions[kBurst];
  filter_.judge_burst(data, lengths, count, tables, now_ns, decisions);
  for (uint16_t i = 0; i < count; ++i) {
    if (decisions[i].passed()) {
      if (decisions[i].opened && report_allowed_)
        report(i, whole[i]->port, decisions[i], *tables, now_tsc);
      forward(whole[i]->port, whole[i], now_tsc);
    } else {
      counters_.port[whole[i]->port].drops[size_t(decisions[i].reason)].add();
      if (report_flows_ && is_flow_event_reason(decisions[i].reason))
        report(i, whole[i]->port, decisions[i], *tables, now_tsc);
      rte_pktmbuf_free(whole[i]);
    }
  }
}

void Worker::forward(uint16_t in_port, rte_mbuf* m, uint64_t now) {
  // The parser passed it, so a whole Ethernet header is there.
  const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint64_t dst = mac_key_wide(eth);
  const uint64_t src = mac_key_wide(eth + 6);
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
  const TxRoute& route = setup_.tx[port];
  if (route.via != setup_.index) {
    Batch& b = send_[route.via];
    if (b.count == kBurst) flush_send(route.via);
    frame->port = port;  // the transmitting worker needs the egress port
    b.frames[b.count++] = frame;
    return;
  }
  Batch& tx = tx_[port];
  if (tx.count == kBurst) flush(port);
  tx.frames[tx.count++] = frame;
}

void Worker::flush(uint16_t port) {
  Batch& tx = tx_[port];
  if (tx.count == 0) return;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < tx.count; ++i) bytes += rte_pktmbuf_pkt_len(tx.frames[i]);
  uint16_t sent = rte_eth_tx_burst(port, setup_.tx[port].queue, tx.frames, tx.count);
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

void Worker::flush_send(unsigned peer) {
  Batch& b = send_[peer];
  if (b.count == 0) return;
  unsigned sent = rte_ring_sp_enqueue_burst(setup_.handoff->send(setup_.index, peer),
                                            reinterpret_cast<void**>(b.frames), b.count, nullptr);
  counters_.handed_off_tx.add(sent);
  for (unsigned i = sent; i < b.count; ++i) drop(b.frames[i], RuntimeDrop::handoff_full);
  b.count = 0;
}

void Worker::flush_all() {
  for (uint16_t port : setup_.ports) flush(port);
  if (setup_.workers > 1) {
    for (unsigned peer = 0; peer < setup_.workers; ++peer) flush_send(peer);
  }
}

// A policy verdict on a connection, for the flow log. Only frames that opened a flow or were
// dropped with a policy reason get here, so the tables are there and the general parser read
// the frame (the express lane only passes frames of flows already open).
void Worker::report(uint32_t judged, uint16_t in_port, const Decision& decision,
                    const PolicyTables& tables, uint64_t now_tsc) {
  const ParsedPacket& packet = filter_.parsed(judged);
  // A fragment that finds its flow revoked does not say which end sent it (nor, past the
  // first, the ports): the drop is counted (drop_policy_revoked) but not logged.
  if (decision.reason == DropReason::policy_revoked && packet.frag.is_fragment) return;
  const FlowTuple* tuple = firewall_detail::tracked_tuple(packet);
  if (tuple == nullptr) return;
  FlowEvent event;
  event.tsc = now_tsc;
  event.generation = tables.generation;
  event.src = decision.from_responder ? tuple->dst : tuple->src;
  event.dst = decision.from_responder ? tuple->src : tuple->dst;
  event.sport = decision.from_responder ? tuple->dport : tuple->sport;
  event.dport = decision.from_responder ? tuple->sport : tuple->dport;
  event.ip_proto = tuple->ip_proto;
  // An ICMP error is reported as the connection it is about (tracked_tuple() gives its inner
  // packet), so only a message that is its own flow carries its type and code.
  if (tuple == &packet.tuple && tuple->icmp_kind != IcmpKind::none) {
    event.icmp_type = tuple->icmp_type;
    event.icmp_code = packet.icmp_code;
  }
  event.reason = decision.reason;
  event.in_port = in_port;
  event.worker = uint16_t(setup_.index);
  if (events_.push(event)) {
    counters_.flow_events.add();
  } else {
    counters_.flow_events_lost.add();
  }
}

uint64_t Worker::request_flow_listing() {
  if (!listing_) listing_ = std::make_unique<FlowRecord[]>(kMaxListedFlows);
  const uint64_t ticket = listing_asked_.load(std::memory_order_relaxed) + 1;
  listing_asked_.store(ticket, std::memory_order_release);
  return ticket;
}

bool Worker::flow_listing(uint64_t ticket, const FlowRecord*& records, uint32_t& listed,
                          uint64_t& live) const {
  if (listing_done_.load(std::memory_order_acquire) != ticket) return false;
  records = listing_.get();
  listed = listing_count_;
  live = listing_live_;
  return true;
}

// A slice of the walk per loop: 1,024 entries (64 KiB, read in order) cost a few microseconds,
// so a listing of a full 1 M table takes about a thousand loops and never holds a burst up
// for long.
void Worker::continue_flow_listing(uint64_t now_ns) {
  constexpr uint32_t kSlice = 1024;
  const uint64_t asked = listing_asked_.load(std::memory_order_acquire);
  if (asked == listing_done_.load(std::memory_order_relaxed)) return;
  if (asked != listing_serving_) {
    listing_serving_ = asked;
    listing_cursor_ = 0;
    listing_count_ = 0;
    listing_live_ = 0;
  }
  filter_.list_flows(listing_cursor_, kSlice, now_ns, listing_.get(), kMaxListedFlows,
                     listing_count_, listing_live_);
  if (listing_cursor_ == filter_.capacity()) {
    listing_done_.store(asked, std::memory_order_release);
  }
}

void Worker::drop(rte_mbuf* frame, RuntimeDrop reason) {
  rte_pktmbuf_free(frame);
  counters_.runtime_drops[size_t(reason)].add();
}

uint32_t Worker::mac_entries() const {
  return macs_.count(rte_rdtsc());
}

}  // namespace podwall
