#pragma once
// The normalised identity of a flow: both directions of a connection map to the same key, so a
// reply finds the entry its request created.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

namespace flow_key_detail {

// The key's last word is (port_lo, port_hi, ip_proto, family, query_initiator, reserved) in
// memory order.
static_assert(std::endian::native == std::endian::little);
static_assert(offsetof(FlowKey, port_lo) == 32 && offsetof(FlowKey, port_hi) == 34 &&
              offsetof(FlowKey, ip_proto) == 36 && offsetof(FlowKey, family) == 37 &&
              offsetof(FlowKey, query_initiator) == 38);

// The one place that orders a flow's two ends. Addresses come as the two native 64-bit words
// of their 16 key bytes (an IPv4 address is its four bytes then zeros). `query`: an ICMP query,
// whose initiator the key records (`request`: the source sent the request).
//
// Inline, for the express lane: built in place, the key's words go straight to the hash and
// into the caller's scratch. Returned through a call, they went through the stack as five
// 8-byte stores that the caller read back as 16-byte loads -- a store-forwarding stall on
// every frame.
inline FlowKey ordered_key(uint64_t s0, uint64_t s1, uint64_t d0, uint64_t d1, uint16_t sport,
                           uint16_t dport, uint8_t ip_proto, uint8_t family, bool query,
                           bool request, bool& src_is_lo) noexcept {
  // Any total order will do, as long as both directions agree: compare the addresses as two
  // native 64-bit words rather than byte by byte.
  if (s0 != d0) {
    src_is_lo = s0 < d0;
  } else if (s1 != d1) {
    src_is_lo = s1 < d1;
  } else {
    src_is_lo = sport <= dport;
  }

  // Which end is lower is as good as random from flow to flow: swap the ends by mask, not by
  // a branch that would mispredict on every other flow.
  const uint64_t swap = src_is_lo ? 0 : ~uint64_t(0);
  const uint64_t x0 = (s0 ^ d0) & swap, x1 = (s1 ^ d1) & swap;
  const uint64_t ports = uint64_t(sport) | uint64_t(dport) << 16;
  const uint64_t swapped_ports = uint64_t(dport) | uint64_t(sport) << 16;
  const uint64_t x_ports = (ports ^ swapped_ports) & swap;
  uint8_t query_initiator = 0;
  if (query) query_initiator = request == src_is_lo ? 1 : 2;
  // Written as five whole words: the table hashes the key as words at once, and a word load
  // over narrower stores would stall until they retire.
  FlowKey key;
  store_word(&key, 0, s0 ^ x0);
  store_word(&key, 1, s1 ^ x1);
  store_word(&key, 2, d0 ^ x0);
  store_word(&key, 3, d1 ^ x1);
  store_word(&key, 4,
             (ports ^ x_ports) | uint64_t(ip_proto) << 32 | uint64_t(family) << 40 |
                 uint64_t(query_initiator) << 48);
  return key;
}

}  // namespace flow_key_detail

// The same key for an IPv4 flow with ports, from the addresses as they sit in the header: what
// make_flow_key() returns for that packet's tuple, without building one.
inline FlowKey make_v4_flow_key(const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
                                uint16_t dport, uint8_t ip_proto, bool& src_is_lo) noexcept {
  uint32_t s, d;
  std::memcpy(&s, src, 4);
  std::memcpy(&d, dst, 4);
  return flow_key_detail::ordered_key(s, 0, d, 0, sport, dport, ip_proto, 4, false, false,
                                      src_is_lo);
}

// The connection attempt the policy judged when the flow was created: initiator -> responder,
// the responder's port. Used to judge the flow again under new tables.
FlowQuery original_query(const FlowKey& key, bool initiator_is_lo) noexcept;

// The query for a packet that would start a new flow.
FlowQuery query_for(const FlowTuple& tuple) noexcept;

}  // namespace podwall
