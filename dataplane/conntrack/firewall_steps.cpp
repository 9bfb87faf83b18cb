// The steps of the decision pipeline that never consult the policy.

#include "dataplane/conntrack/decide_with.h"

namespace podwall::firewall_detail {

Decision judge_non_ip(const ParsedPacket& packet, const FirewallConfig& config,
                      WorkerCounters& counters) noexcept {
  if (packet.l3 == L3Kind::arp) {
    ++counters.l2_control_passed;
    return Decision::pass();
  }
  if (config.pass_unknown_ethertypes) {
    ++counters.unknown_ethertype_passed;
    return Decision::pass();
  }
  return Decision::drop(DropReason::unknown_ethertype);
}

Decision judge_later_fragment(const ParsedPacket& packet, FragmentTracker& fragments,
                              uint64_t now_ns, WorkerCounters& counters) noexcept {
  DropReason refused = fragments.admit_later(make_fragment_key(packet), packet.frag, now_ns);
  if (refused != DropReason::none) return Decision::drop(refused);
  ++counters.fragments_passed;
  return Decision::pass();
}

void count(Decision decision, const FlowTable& flows, const FragmentTracker& fragments,
           WorkerCounters& counters) noexcept {
  count_verdict(decision, counters);
  refresh_occupancy(flows, fragments, counters);
}

void refresh_occupancy(const FlowTable& flows, const FragmentTracker& fragments,
                       WorkerCounters& counters) noexcept {
  counters.conntrack_entries = flows.size();
  counters.conntrack_capacity = flows.capacity();
  counters.fragment_datagrams = fragments.size();
  counters.fragment_capacity = fragments.capacity();
  counters.flows_expired = flows.expired_total();
}

}  // namespace podwall::firewall_detail
