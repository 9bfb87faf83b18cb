#pragma once
// Per-protocol connection tracking rules: which packets may start a flow, how a flow's state
// moves, and how long each state lives. Time is always passed in (`now_ns`): nothing here reads
// a clock, so tests drive time by hand.

#include <cstdint>

#include "dataplane/conntrack/flow_entry.h"
#include "dataplane/packet/parsed_packet.h"

namespace podwall {

inline constexpr uint64_t kNsPerSecond = 1'000'000'000ull;

// Idle timeouts per state, in nanoseconds. The defaults follow common stateful-firewall
// practice; TCP established matches what kube-proxy sets for nf_conntrack (24 h), so a
// long-lived idle connection behaves as it would without podwall.
struct FlowTimeouts {
  uint64_t tcp_syn_sent = 30 * kNsPerSecond;
  uint64_t tcp_syn_recv = 30 * kNsPerSecond;
  uint64_t tcp_established = 24 * 3600 * kNsPerSecond;
  uint64_t tcp_fin_wait = 120 * kNsPerSecond;
  uint64_t udp_unreplied = 30 * kNsPerSecond;
  uint64_t udp_replied = 180 * kNsPerSecond;
  uint64_t sctp_unreplied = 30 * kNsPerSecond;
  uint64_t sctp_replied = 24 * 3600 * kNsPerSecond;
  uint64_t icmp = 30 * kNsPerSecond;
  uint64_t other_unreplied = 30 * kNsPerSecond;
  uint64_t other_replied = 600 * kNsPerSecond;
  uint64_t closed = 10 * kNsPerSecond;  // lets the last ACKs and retransmitted FINs through
};

// False for flag combinations no TCP stack sends: NULL, SYN+FIN, SYN+RST, FIN or PSH without
// ACK, and so on (PSH, ECE and CWR are ignored; URG only with SYN or ACK). Such packets are
// scans or evasion attempts and are dropped whether or not a flow exists.
bool tcp_flags_valid(uint8_t flags) noexcept;

// True when the packet may open a new flow: a pure TCP SYN (no ACK, FIN or RST), an SCTP INIT,
// any UDP datagram, an ICMP request or other non-error ICMP message, and any packet of a
// protocol without ports. Never an ICMP error or reply, never a TCP packet other than SYN.
bool may_start_flow(const ParsedPacket& packet) noexcept;

// A pure SYN hitting a closed TCP flow reuses the 4-tuple for a new connection: the old entry
// must go and the SYN be judged afresh.
bool restarts_flow(const FlowEntry& entry, const ParsedPacket& packet) noexcept;

// Initialises a freshly inserted entry for `packet`, approved under `generation`.
void start_flow(FlowEntry& entry, const ParsedPacket& packet, bool src_is_lo, uint64_t generation,
                uint64_t now_ns, const FlowTimeouts& timeouts) noexcept;

// Moves the entry's state for one more packet of the flow and pushes its expiry out.
void track_packet(FlowEntry& entry, const ParsedPacket& packet, bool from_initiator,
                  uint64_t now_ns, const FlowTimeouts& timeouts) noexcept;

// track_packet() for a whole TCP segment or UDP datagram known only by its TCP flags (0 for
// UDP): the express lane has no ParsedPacket.
void track_ported_packet_general(FlowEntry& entry, uint8_t tcp_flags, bool from_initiator,
                                 uint64_t now_ns, const FlowTimeouts& timeouts) noexcept;
inline void track_ported_packet(FlowEntry& entry, uint8_t tcp_flags, bool from_initiator,
                                uint64_t now_ns, const FlowTimeouts& timeouts) noexcept {
  // Most frames of a firewall's day: a segment of an established TCP connection that neither
  // opens nor closes it, with no FIN seen either way. Such a segment moves no state, only the
  // expiry. (Every condition is tested, though some follow from others -- an established
  // entry is TCP and has seen no FIN -- so that the shortcut holds for any entry whatever.)
  using namespace tcp_flag;
  constexpr uint8_t kFinSeen = flow_flag::fin_from_initiator | flow_flag::fin_from_responder;
  if (entry.state == FlowState::tcp_established && entry.key.ip_proto == ip_proto::tcp &&
      (tcp_flags & (syn | fin | rst)) == 0 && (entry.flags & kFinSeen) == 0) {
    entry.expires_ns = now_ns + timeouts.tcp_established;
    return;
  }
  track_ported_packet_general(entry, tcp_flags, from_initiator, now_ns, timeouts);
}

}  // namespace podwall
