#pragma once
// The normalised identity of a flow: both directions of a connection map to the same key, so a
// reply finds the entry its request created.

#include <array>
#include <cstdint>
#include <type_traits>

#include "dataplane/conntrack/words.h"
#include "dataplane/packet/parsed_packet.h"
#include "dataplane/policy/classify.h"

namespace podwall {

// Addresses and ports sorted so that (addr_lo, port_lo) <= (addr_hi, port_hi). Every byte is
// a named field (no padding), so keys compare and hash as plain bytes.
struct FlowKey {
  std::array<uint8_t, 16> addr_lo{};
  std::array<uint8_t, 16> addr_hi{};
  uint16_t port_lo = 0;  // TCP/UDP/SCTP port, or the ICMP query id on both sides
  uint16_t port_hi = 0;
  uint8_t ip_proto = 0;
  uint8_t family = 0;  // 4 or 6
  // ICMP query flows only: who sent the request (1 = lo side, 2 = hi side). Without it an echo
  // request in the reverse direction would ride on the forward flow's approval.
  uint8_t query_initiator = 0;
  uint8_t reserved = 0;

  // Five word compares, no library call: this runs on every lookup probe that matches.
  friend bool operator==(const FlowKey& a, const FlowKey& b) noexcept {
    return ((load_word(&a, 0) ^ load_word(&b, 0)) | (load_word(&a, 1) ^ load_word(&b, 1)) |
            (load_word(&a, 2) ^ load_word(&b, 2)) | (load_word(&a, 3) ^ load_word(&b, 3)) |
            (load_word(&a, 4) ^ load_word(&b, 4))) == 0;
  }
};
static_assert(sizeof(FlowKey) == 40);
static_assert(std::has_unique_object_representations_v<FlowKey>);

// Builds the key of `tuple`; `src_is_lo` tells which side of the key the sender is on.
FlowKey make_flow_key(const FlowTuple& tuple, bool& src_is_lo) noexcept;

// The same key for an IPv4 flow with ports, from the addresses as they sit in the header: what
// make_flow_key() returns for that packet's tuple, without building one.
FlowKey make_v4_flow_key(const uint8_t src[4], const uint8_t dst[4], uint16_t sport, uint16_t dport,
                         uint8_t ip_proto, bool& src_is_lo) noexcept;

// The connection attempt the policy judged when the flow was created: initiator -> responder,
// the responder's port. Used to judge the flow again under new tables.
FlowQuery original_query(const FlowKey& key, bool initiator_is_lo) noexcept;

// The query for a packet that would start a new flow.
FlowQuery query_for(const FlowTuple& tuple) noexcept;

}  // namespace podwall
