#include "dataplane/runtime/stats.h"

namespace podwall {

PortTotals Totals::all_ports() const {
  PortTotals sum;
  for (const PortTotals& p : port) {
    sum.rx_packets += p.rx_packets;
    sum.rx_bytes += p.rx_bytes;
    sum.tx_packets += p.tx_packets;
    sum.tx_bytes += p.tx_bytes;
    sum.tx_full += p.tx_full;
    sum.flooded += p.flooded;
    for (size_t i = 0; i < kDropReasonCount; ++i) sum.drops[i] += p.drops[i];
  }
  return sum;
}

uint64_t PortTotals::dropped() const {
  uint64_t n = 0;
  for (uint64_t d : drops) n += d;
  return n;
}

uint64_t Totals::dropped() const {
  uint64_t n = 0;
  for (uint64_t d : runtime_drops) n += d;
  for (uint64_t d : pipeline_drops) n += d;
  return n;
}

void accumulate(const RuntimeCounters& c, Totals& t) {
  if (t.port.size() < c.port.size()) t.port.resize(c.port.size());
  for (size_t i = 0; i < c.port.size(); ++i) {
    const PortCounters& p = c.port[i];
    PortTotals& q = t.port[i];
    q.rx_packets += p.rx_packets.get();
    q.rx_bytes += p.rx_bytes.get();
    q.tx_packets += p.tx_packets.get();
    q.tx_bytes += p.tx_bytes.get();
    q.tx_full += p.tx_full.get();
    q.flooded += p.flooded.get();
    for (size_t r = 0; r < kDropReasonCount; ++r) q.drops[r] += p.drops[r].get();
  }
  for (size_t i = 0; i < kRuntimeDrops; ++i) t.runtime_drops[i] += c.runtime_drops[i].get();
  const PipelineCounters& pc = c.pipeline;
  for (size_t i = 0; i < kDropReasonCount; ++i) t.pipeline_drops[i] += pc.drops[i].get();
  t.passed += pc.passed.get();
  t.l2_control_passed += pc.l2_control_passed.get();
  t.unknown_ethertype_passed += pc.unknown_ethertype_passed.get();
  t.fragments_passed += pc.fragments_passed.get();
  t.icmp_errors_related += pc.icmp_errors_related.get();
  t.flows_allowed += pc.flows_allowed.get();
  t.flows_denied += pc.flows_denied.get();
  t.flows_rechecked += pc.flows_rechecked.get();
  t.flows_revoked += pc.flows_revoked.get();
  t.flows_expired += pc.flows_expired.get();
  t.conntrack_entries += pc.conntrack_entries.get();
  t.conntrack_capacity += pc.conntrack_capacity.get();
  t.fragment_datagrams += pc.fragment_datagrams.get();
  t.fragment_capacity += pc.fragment_capacity.get();
  t.loops += c.loops.get();
  t.handed_off += c.handed_off.get();
  t.handed_off_tx += c.handed_off_tx.get();
  t.flow_events += c.flow_events.get();
  t.flow_events_lost += c.flow_events_lost.get();
}

}  // namespace podwall
