#include "dataplane/conntrack/flow_state.h"

namespace podwall {

namespace {

uint64_t timeout_for(const FlowEntry& entry, const FlowTimeouts& t) {
  switch (entry.state) {
    case FlowState::tcp_syn_sent:
      return t.tcp_syn_sent;
    case FlowState::tcp_syn_recv:
      return t.tcp_syn_recv;
    case FlowState::tcp_established:
      return t.tcp_established;
    case FlowState::tcp_fin_wait:
      return t.tcp_fin_wait;
    case FlowState::closed:
      return t.closed;
    case FlowState::free:
      return 0;
    case FlowState::unreplied:
    case FlowState::replied:
      break;
  }
  bool replied = entry.state == FlowState::replied;
  switch (entry.key.ip_proto) {
    case ip_proto::udp:
      return replied ? t.udp_replied : t.udp_unreplied;
    case ip_proto::sctp:
      return replied ? t.sctp_replied : t.sctp_unreplied;
    case ip_proto::icmp:
    case ip_proto::icmpv6:
      return t.icmp;
    default:
      return replied ? t.other_replied : t.other_unreplied;
  }
}

void track_tcp(FlowEntry& entry, uint8_t flags, bool from_initiator) {
  using namespace tcp_flag;
  if (flags & rst) {
    entry.state = FlowState::closed;
    return;
  }
  if (entry.state == FlowState::closed) return;  // only the teardown's tail is left
  if (flags & fin) {
    entry.flags |= from_initiator ? flow_flag::fin_from_initiator : flow_flag::fin_from_responder;
  }
  switch (entry.state) {
    case FlowState::tcp_syn_sent:
      // SYN+ACK, or a bare SYN for a simultaneous open.
      if (!from_initiator && (flags & syn)) entry.state = FlowState::tcp_syn_recv;
      break;
    case FlowState::tcp_syn_recv:
      if (from_initiator && (flags & ack) && !(flags & syn)) {
        entry.state = FlowState::tcp_established;
      }
      break;
    default:
      break;
  }
  constexpr uint8_t both = flow_flag::fin_from_initiator | flow_flag::fin_from_responder;
  if ((entry.flags & both) == both) {
    entry.state = FlowState::closed;
  } else if (entry.flags & both) {
    entry.state = FlowState::tcp_fin_wait;
  }
}

}  // namespace

bool tcp_flags_valid(uint8_t flags) noexcept {
  using namespace tcp_flag;
  // PSH rides along with anything that carries data; ECE/CWR are ECN negotiation.
  uint8_t f = flags & uint8_t(fin | syn | rst | ack | urg);
  switch (f) {
    case syn:
    case syn | urg:
    case syn | ack:
    case rst:
    case rst | ack:
    case fin | ack:
    case fin | ack | urg:
    case ack:
    case ack | urg:
      return true;
    default:
      return false;
  }
}

bool may_start_flow(const ParsedPacket& p) noexcept {
  using namespace tcp_flag;
  switch (p.tuple.ip_proto) {
    case ip_proto::tcp:
      return (p.tcp_flags & (syn | ack | fin | rst)) == syn;
    case ip_proto::sctp:
      return p.sctp_first_chunk == sctp_chunk::init;
    case ip_proto::icmp:
    case ip_proto::icmpv6:
      // ICMP of the other family (a v4 ICMP in IPv6) has kind none: a plain protocol.
      return p.tuple.icmp_kind != IcmpKind::reply && p.tuple.icmp_kind != IcmpKind::error;
    default:
      return true;
  }
}

bool restarts_flow(const FlowEntry& entry, const ParsedPacket& p) noexcept {
  using namespace tcp_flag;
  return entry.state == FlowState::closed && p.tuple.ip_proto == ip_proto::tcp &&
         (p.tcp_flags & (syn | ack | fin | rst)) == syn;
}

void start_flow(FlowEntry& entry, const ParsedPacket& p, bool src_is_lo, uint64_t generation,
                uint64_t now_ns, const FlowTimeouts& timeouts) noexcept {
  entry.generation = generation;
  entry.flags = src_is_lo ? flow_flag::initiator_is_lo : 0;
  entry.state = p.tuple.ip_proto == ip_proto::tcp ? FlowState::tcp_syn_sent : FlowState::unreplied;
  entry.expires_ns = now_ns + timeout_for(entry, timeouts);
}

namespace {

// track_packet()'s rules over the only fields of the packet they read. `has_l4`: false for a
// non-first fragment, which refreshes the flow but moves no state.
void track(FlowEntry& entry, bool has_l4, uint8_t tcp_flags, uint8_t sctp_first_chunk,
           bool from_initiator, uint64_t now_ns, const FlowTimeouts& timeouts) {
  if (entry.key.ip_proto == ip_proto::tcp) {
    if (has_l4) track_tcp(entry, tcp_flags, from_initiator);
  } else if (entry.state != FlowState::closed) {
    if (entry.key.ip_proto == ip_proto::sctp && has_l4 &&
        (sctp_first_chunk == sctp_chunk::abort ||
         sctp_first_chunk == sctp_chunk::shutdown_complete)) {
      entry.state = FlowState::closed;
    } else if (!from_initiator) {
      entry.state = FlowState::replied;
    }
  }
  entry.expires_ns = now_ns + timeout_for(entry, timeouts);
}

}  // namespace

void track_packet(FlowEntry& entry, const ParsedPacket& p, bool from_initiator, uint64_t now_ns,
                  const FlowTimeouts& timeouts) noexcept {
  track(entry, p.has_l4(), p.tcp_flags, p.sctp_first_chunk, from_initiator, now_ns, timeouts);
}

void track_ported_packet_general(FlowEntry& entry, uint8_t tcp_flags, bool from_initiator,
                                 uint64_t now_ns, const FlowTimeouts& timeouts) noexcept {
  track(entry, true, tcp_flags, 0, from_initiator, now_ns, timeouts);
}

}  // namespace podwall
