#pragma once
// The packet parser: Ethernet, up to two VLAN tags, ARP, IPv4, IPv6 with its extension-header
// chain, TCP, UDP, SCTP, ICMPv4 and ICMPv6 (with the packet embedded in ICMP errors).
//
// Every read is checked against `len`, the bytes actually present; nothing past the end is ever
// touched, whatever the headers claim. Pure C++ over bytes (no DPDK), so the workers, the unit
// tests and the fuzzer run this very code.

#include <cstdint>

#include "dataplane/packet/drop_reason.h"
#include "dataplane/packet/parsed_packet.h"

namespace podwall {

// Parses `frame` (starting at the destination MAC) into `out`. Returns DropReason::none when the
// packet is well formed, else the reason to drop it; `out` then holds what was parsed so far.
// An ethertype we do not parse is not an error: it comes back as L3Kind::other and the caller
// applies its rule for unknown ethertypes.
//
// Thread: any. Never allocates, never throws, reads only frame[0, len).
DropReason parse_packet(const uint8_t* frame, uint32_t len, ParsedPacket& out) noexcept;

}  // namespace podwall
