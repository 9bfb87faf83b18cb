#pragma once
// Every reason the dataplane drops a packet, one counter each. The parser, the fragment tracker,
// conntrack and the policy step all report through this one enum so that the daemon exports a
// single table of counters and an operator can tell "malformed" from "denied" at a glance.

#include <cstddef>
#include <cstdint>

namespace podwall {

enum class DropReason : uint8_t {
  none = 0,  // not dropped

  // Layer 2.
  truncated_l2,        // shorter than an Ethernet header (14 bytes)
  truncated_vlan,      // an 802.1Q/802.1ad tag is cut short
  too_many_vlan_tags,  // more than two stacked VLAN tags
  truncated_arp,       // ARP shorter than its fixed header plus the addresses it announces
  unknown_ethertype,   // neither IPv4, IPv6 nor ARP, and the config does not let it pass

  // IPv4.
  truncated_ipv4,         // the frame ends inside the IPv4 header (options included)
  bad_ipv4_version,       // version field is not 4
  bad_ipv4_ihl,           // header length below 20 bytes
  bad_ipv4_total_length,  // total length below the header length, or beyond the frame

  // IPv6.
  truncated_ipv6,                        // the frame ends inside the 40-byte fixed header
  bad_ipv6_version,                      // version field is not 6
  bad_ipv6_payload_length,               // payload length beyond the frame
  truncated_ipv6_ext_header,             // an extension header runs past the payload
  bad_ipv6_ext_chain,                    // hop-by-hop not first, or two fragment headers
  ipv6_ext_chain_too_long,               // more extension headers than we walk (8)
  ipv6_ext_chain_not_in_first_fragment,  // the first fragment does not hold the whole chain

  // Fragments.
  bad_fragment_length,            // a non-last fragment that is empty or not a multiple of 8
  bad_fragment_offset,            // offset + length runs past the 65535-byte datagram limit
  tiny_fragment,                  // a first fragment that does not hold the whole L4 header
  overlapping_fragment,           // overlaps bytes already seen; the datagram is poisoned
  orphan_fragment,                // a non-first fragment whose first fragment was not seen
  fragment_of_denied_datagram,    // the datagram's first fragment was dropped
  fragment_of_poisoned_datagram,  // the datagram was poisoned by an earlier overlap
  too_many_fragment_holes,        // more disjoint pieces than the tracker keeps per datagram
  fragment_table_full,            // no room to track a new fragmented datagram

  // Layer 4.
  truncated_l4,         // the IP payload is shorter than the L4 header
  bad_tcp_data_offset,  // TCP data offset below 5 words or beyond the segment
  bad_tcp_flags,        // a flag combination no TCP stack sends (NULL, SYN+FIN, SYN+RST, ...)
  bad_udp_length,       // UDP length below 8 or beyond the IP payload
  bad_icmp_error,       // an ICMP error whose embedded packet cannot be parsed

  // State and policy.
  tables_not_ready,      // no policy generation published yet: fail closed
  no_flow,               // cannot start a connection (e.g. ACK, SYN+ACK) and matches none
  conntrack_full,        // allowed, but the flow table has no room: never fail open
  policy_denied,         // a new connection the policy does not allow
  policy_revoked,        // an established flow that the current policy no longer allows
  icmp_error_unrelated,  // an ICMP error about no tracked flow

  count_  // number of reasons; keep last
};

inline constexpr size_t kDropReasonCount = size_t(DropReason::count_);

// Stable snake_case name, as exported in counters; "unknown" for out-of-range values.
const char* drop_reason_name(DropReason reason) noexcept;

}  // namespace podwall
