#pragma once
// One conntrack entry: a cache line holding the key, the table generation that approved the
// flow, its expiry time and its protocol state.

#include <cstdint>

#include "dataplane/conntrack/flow_key.h"

namespace podwall {

enum class FlowState : uint8_t {
  free = 0,
  // TCP. No sequence or window tracking: the states only drive timeouts and teardown.
  tcp_syn_sent,     // the initiator's SYN went out
  tcp_syn_recv,     // the responder answered SYN+ACK
  tcp_established,  // the initiator acknowledged the SYN+ACK
  tcp_fin_wait,     // one side sent FIN
  // UDP, SCTP, ICMP queries, other protocols; and TCP after both FINs or a RST.
  unreplied,  // only the initiator has spoken
  replied,    // the responder answered
  closed,     // TCP both FINs or RST, SCTP ABORT or SHUTDOWN COMPLETE: short linger, then gone
};

namespace flow_flag {
inline constexpr uint8_t initiator_is_lo = 0x01;  // the initiator is the key's lo side
inline constexpr uint8_t fin_from_initiator = 0x02;
inline constexpr uint8_t fin_from_responder = 0x04;
}  // namespace flow_flag

struct alignas(64) FlowEntry {
  FlowKey key;
  uint64_t generation = 0;  // policy tables generation that approved (or last re-approved) it
  uint64_t expires_ns = 0;  // the entry is dead once now_ns >= expires_ns
  FlowState state = FlowState::free;
  uint8_t flags = 0;

  bool initiator_is_lo() const { return flags & flow_flag::initiator_is_lo; }
};
static_assert(sizeof(FlowEntry) == 64);

}  // namespace podwall
