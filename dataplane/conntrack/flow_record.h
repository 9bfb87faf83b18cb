#pragma once
// A tracked connection as `podwallctl flows` shows it: what conntrack holds in a FlowEntry,
// turned round into the connection its initiator opened. Plain data, read off a worker's table
// while that worker runs (dataplane/runtime/worker.h, the flow listing); DPDK-free.

#include <cstdint>
#include <string>

#include "dataplane/conntrack/flow_entry.h"
#include "dataplane/policy/ip_address.h"

namespace podwall {

struct FlowRecord {
  IpAddress src;  // the initiator
  IpAddress dst;
  uint16_t sport = 0;  // TCP/UDP/SCTP ports; for an ICMP query both are its identifier
  uint16_t dport = 0;
  uint8_t ip_proto = 0;
  FlowState state = FlowState::free;
  uint16_t worker = 0;
  uint64_t generation = 0;     // the policy generation that approved (or last re-approved) it
  uint64_t expires_in_ns = 0;  // from the moment the worker read it
};

// The record of a live entry at `now_ns`.
FlowRecord record_of(const FlowEntry& entry, uint64_t now_ns) noexcept;

// "established", "syn_sent", ...: the state as conntrack tools print it.
const char* flow_state_name(FlowState state) noexcept;

// "tcp", "udp", "sctp", "icmp", "icmpv6", or the number for any other protocol.
std::string ip_protocol_name(uint8_t ip_proto);

}  // namespace podwall
