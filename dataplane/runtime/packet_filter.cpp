#include "dataplane/runtime/packet_filter.h"

namespace podwall {

namespace {

FirewallConfig firewall_config(const DataplaneConfig& config) {
  FirewallConfig fw;
  fw.established = config.established == EstablishedPolicy::keep ? EstablishedMode::keep
                                                                 : EstablishedMode::recheck;
  fw.pass_unknown_ethertypes = config.pass_unknown_ethertypes;
  return fw;
}

}  // namespace

PacketFilter::PacketFilter(const DataplaneConfig& config, uint64_t seed)
    : config_(firewall_config(config)),
      flows_(config.conntrack_capacity, FlowTimeouts{}, seed),
      fragments_(FragmentTracker::kDefaultCapacity, FragmentTracker::kDefaultTimeoutNs,
                 seed ^ 0x5bd1e995u) {
  counters_.conntrack_capacity = flows_.capacity();
  counters_.fragment_capacity = fragments_.capacity();
}

void PacketFilter::mirror(PipelineCounters& out) const noexcept {
  for (size_t i = 0; i < kDropReasonCount; ++i) out.drops[i].set(counters_.dropped_by_reason[i]);
  out.passed.set(counters_.passed);
  out.l2_control_passed.set(counters_.l2_control_passed);
  out.unknown_ethertype_passed.set(counters_.unknown_ethertype_passed);
  out.fragments_passed.set(counters_.fragments_passed);
  out.icmp_errors_related.set(counters_.icmp_errors_related);
  out.flows_allowed.set(counters_.flows_allowed);
  out.flows_denied.set(counters_.flows_denied);
  out.flows_rechecked.set(counters_.flows_rechecked);
  out.flows_revoked.set(counters_.flows_revoked);
  out.flows_expired.set(counters_.flows_expired);
  out.conntrack_entries.set(flows_.size());
  out.conntrack_capacity.set(flows_.capacity());
  out.fragment_datagrams.set(fragments_.size());
  out.fragment_capacity.set(fragments_.capacity());
}

}  // namespace podwall
