// decide_burst(): decide_frame() over a receive burst, with the flow table warmed first.

#include "dataplane/conntrack/decide_with.h"
#include "dataplane/conntrack/firewall.h"

namespace podwall {

namespace {

// decide_burst() for at most kMaxBurst frames.
void decide_chunk(const uint8_t* const frames[], const uint32_t lengths[], uint32_t count,
                  BurstScratch& scratch, const PolicyTables* tables, uint64_t tables_generation,
                  FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns,
                  const FirewallConfig& config, WorkerCounters& counters,
                  Decision decisions[]) noexcept {
  for (uint32_t i = 0; i < count; ++i) __builtin_prefetch(frames[i]);

  // Parse the burst; hash each flow key and start loading its index slot.
  for (uint32_t i = 0; i < count; ++i) {
    ParsedPacket& packet = scratch.parsed[i];
    scratch.malformed[i] = parse_packet(frames[i], lengths[i], packet);
    scratch.looks_up_flow[i] = false;
    if (scratch.malformed[i] != DropReason::none || tables == nullptr) continue;
    // ICMP errors (whose lookup is of the packet inside) and later fragments take the slow path.
    if (firewall_detail::tracked_tuple(packet) != &packet.tuple) continue;
    HashedFlowKey& flow = scratch.flow[i];
    flow.key = make_flow_key(packet.tuple, flow.src_is_lo);
    flow.hash = flows.hash_of(flow.key);
    scratch.looks_up_flow[i] = true;
    flows.prefetch_slot(flow.hash);
  }
  // The slots have had a burst's parsing to arrive: start loading the entries they name. When
  // the policy is about to be asked -- a frame that may open a flow and either has none (its
  // home slot is empty) or is a TCP SYN, which opens flows and little else -- its address
  // lookups start loading too.
  for (uint32_t i = 0; i < count; ++i) {
    if (!scratch.looks_up_flow[i]) continue;
    const bool home_empty = !flows.prefetch_entry(scratch.flow[i].hash);
    const ParsedPacket& packet = scratch.parsed[i];
    if ((home_empty || packet.tuple.ip_proto == ip_proto::tcp) && may_start_flow(packet)) {
      prefetch_verdict(*tables, packet.tuple.src, packet.tuple.dst);
    }
  }
  // Judge in arrival order: earlier frames may create or end flows that later ones meet.
  firewall_detail::PolicyClassifier classifier;
  for (uint32_t i = 0; i < count; ++i) {
    if (scratch.malformed[i] != DropReason::none) {
      decisions[i] = Decision::drop(scratch.malformed[i]);
    } else {
      decisions[i] = firewall_detail::decide_uncounted(
          scratch.parsed[i], tables, tables_generation, flows, fragments, now_ns, config, counters,
          classifier, scratch.looks_up_flow[i] ? &scratch.flow[i] : nullptr);
    }
    firewall_detail::count(decisions[i], flows, fragments, counters);
  }
}

}  // namespace

void decide_burst(const uint8_t* const frames[], const uint32_t lengths[], uint32_t count,
                  BurstScratch& scratch, const PolicyTables* tables, uint64_t tables_generation,
                  FlowTable& flows, FragmentTracker& fragments, uint64_t now_ns,
                  const FirewallConfig& config, WorkerCounters& counters,
                  Decision decisions[]) noexcept {
  for (uint32_t done = 0; done < count; done += kMaxBurst) {
    uint32_t n = count - done < kMaxBurst ? count - done : kMaxBurst;
    decide_chunk(frames + done, lengths + done, n, scratch, tables, tables_generation, flows,
                 fragments, now_ns, config, counters, decisions + done);
  }
}

}  // namespace podwall
