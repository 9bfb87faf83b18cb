#include "dataplane/conntrack/firewall.h"

#include "dataplane/policy/tables.h"

namespace podwall {

using firewall_detail::PolicyClassifier;

Decision decide(const ParsedPacket& packet, const PolicyTables* tables, uint64_t tables_generation,
                FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns,
                const FirewallConfig& config, WorkerCounters& counters) noexcept {
  return decide_with(packet, tables, tables_generation, flows, fragments, now_ns, config, counters,
                     PolicyClassifier{});
}

Decision decide_frame(const uint8_t* frame, uint32_t len, ParsedPacket& scratch,
                      const PolicyTables* tables, uint64_t tables_generation, FlowTable& flows,
                      FragmentTracker& fragments, uint64_t now_ns, const FirewallConfig& config,
                      WorkerCounters& counters) noexcept {
  return decide_frame_with(frame, len, scratch, tables, tables_generation, flows, fragments, now_ns,
                           config, counters, PolicyClassifier{});
}

void expire_state(FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns, uint32_t budget,
                  WorkerCounters& counters) noexcept {
  // An empty table has nothing to expire: skip the walk (cache misses over a large table)
  // rather than scan free slots, which is most of the time for the fragment tracker.
  if (flows.size() > 0) flows.expire(now_ns, budget);
  if (fragments.size() > 0) fragments.expire(now_ns, budget);
  counters.conntrack_entries = flows.size();
  counters.fragment_datagrams = fragments.size();
  counters.flows_expired = flows.expired_total();
}

}  // namespace podwall
