#include "dataplane/conntrack/flow_record.h"

namespace podwall {

FlowRecord record_of(const FlowEntry& entry, uint64_t now_ns) noexcept {
  const FlowKey& key = entry.key;
  const bool lo = entry.initiator_is_lo();
  const FlowQuery opened = original_query(key, lo);
  FlowRecord r;
  r.src = opened.src;
  r.dst = opened.dst;
  r.sport = lo ? key.port_lo : key.port_hi;
  r.dport = lo ? key.port_hi : key.port_lo;
  r.ip_proto = key.ip_proto;
  r.state = entry.state;
  r.generation = entry.generation;
  r.expires_in_ns = entry.expires_ns > now_ns ? entry.expires_ns - now_ns : 0;
  return r;
}

std::string ip_protocol_name(uint8_t ip_proto) {
  switch (ip_proto) {
    case ip_proto::icmp:
      return "icmp";
    case ip_proto::tcp:
      return "tcp";
    case ip_proto::udp:
      return "udp";
    case ip_proto::icmpv6:
      return "icmpv6";
    case ip_proto::sctp:
      return "sctp";
    default:
      return std::to_string(ip_proto);
  }
}

const char* flow_state_name(FlowState state) noexcept {
  switch (state) {
    case FlowState::free:
      return "free";
    case FlowState::tcp_syn_sent:
      return "syn_sent";
    case FlowState::tcp_syn_recv:
      return "syn_recv";
    case FlowState::tcp_established:
      return "established";
    case FlowState::tcp_fin_wait:
      return "fin_wait";
    case FlowState::unreplied:
      return "unreplied";
    case FlowState::replied:
      return "replied";
    case FlowState::closed:
      return "closed";
  }
  return "?";
}

}  // namespace podwall
