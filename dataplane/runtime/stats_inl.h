#pragma once
// for_each_total(), kept apart so stats.h reads as a declaration list.

#include <string>

#include "dataplane/runtime/stats.h"

namespace podwall {

template <class F>
void for_each_port_drop(const PortTotals& p, F&& f) {
  for (size_t i = 1; i < kDropReasonCount; ++i)
    f((std::string("drop_") + drop_reason_name(DropReason(i))).c_str(), p.drops[i]);
}

template <class F>
void for_each_total(const Totals& t, F&& f) {
  PortTotals p = t.all_ports();
  f("rx_packets", p.rx_packets);
  f("rx_bytes", p.rx_bytes);
  f("tx_packets", p.tx_packets);
  f("tx_bytes", p.tx_bytes);
  f("tx_full", p.tx_full);
  f("flooded", p.flooded);
  f("passed", t.passed);
  f("dropped", t.dropped());
  f("l2_control_passed", t.l2_control_passed);
  f("unknown_ethertype_passed", t.unknown_ethertype_passed);
  f("fragments_passed", t.fragments_passed);
  f("icmp_errors_related", t.icmp_errors_related);
  f("flows_allowed", t.flows_allowed);
  f("flows_denied", t.flows_denied);
  f("flows_rechecked", t.flows_rechecked);
  f("flows_revoked", t.flows_revoked);
  f("flows_expired", t.flows_expired);
  f("conntrack_entries", t.conntrack_entries);
  f("conntrack_capacity", t.conntrack_capacity);
  f("fragment_datagrams", t.fragment_datagrams);
  f("fragment_capacity", t.fragment_capacity);
  f("handed_off", t.handed_off);
  f("handed_off_tx", t.handed_off_tx);
  f("flow_events", t.flow_events);
  f("flow_events_lost", t.flow_events_lost);
  for (size_t i = 0; i < kRuntimeDrops; ++i)
    f((std::string("drop_") + runtime_drop_name(RuntimeDrop(i))).c_str(), t.runtime_drops[i]);
  for (size_t i = 1; i < kDropReasonCount; ++i)
    f((std::string("drop_") + drop_reason_name(DropReason(i))).c_str(), t.pipeline_drops[i]);
}

}  // namespace podwall
