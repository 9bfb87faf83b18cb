#pragma once
// The parser's layers, one file each (parse.cpp: L2, parse_ip.cpp: L3, parse_l4.cpp: L4), and
// the helpers they share. Not part of the public interface.

#include <bit>
#include <cstdint>
#include <cstring>

#include "dataplane/packet/drop_reason.h"
#include "dataplane/packet/parsed_packet.h"

namespace podwall::parse_detail {

// Callers check bounds first; these only assemble network-order values.
inline uint16_t be16(const uint8_t* p) noexcept {
  return uint16_t(p[0] << 8 | p[1]);
}
inline uint32_t be32(const uint8_t* p) noexcept {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// The longest IPv6 extension-header chain we walk. Real traffic carries two or three; a longer
// chain is either an attack on middleboxes or nothing we can judge cheaply.
inline constexpr unsigned kMaxIpv6ExtHeaders = 8;

// Addresses are written in place with one 16-byte store: conntrack reads them back at once as
// a 16-byte value, and a load that spans several narrower stores waits for them to retire (a
// store-forwarding stall per address, per packet) instead of taking the stored value.
using AddressWords = uint64_t __attribute__((vector_size(16)));

static_assert(std::endian::native == std::endian::little, "store_v4 puts the address first");
inline void store_v4(IpAddress& a, const uint8_t* p) noexcept {
  uint32_t address;
  std::memcpy(&address, p, 4);
  const AddressWords words = {address, 0};  // network byte order kept, trailing bytes zero
  a.family = IpFamily::v4;
  std::memcpy(a.bytes.data(), &words, 16);
}

inline void store_v6(IpAddress& a, const uint8_t* p) noexcept {
  AddressWords words;
  std::memcpy(&words, p, 16);
  a.family = IpFamily::v6;
  std::memcpy(a.bytes.data(), &words, 16);
}

IcmpKind icmp_kind_of(uint8_t type, IpFamily family) noexcept;

// Result of walking an IPv6 extension-header chain.
struct Ipv6Chain {
  uint8_t proto = 0;       // final protocol; for non-first fragments the fragment's next header
  uint32_t l4_offset = 0;  // from the start of the IPv6 header; 0 for non-first fragments
  bool fragment = false;   // a fragment header that is not an atomic fragment
  bool more = false;
  uint16_t frag_offset = 0;
  uint32_t frag_id = 0;
  uint32_t fragmentable_offset = 0;  // where the fragmentable part starts (after the header)
};

// Walks the chain that starts with `next_header` right after the 40-byte fixed header of `ip`,
// reading only ip[0, end). Stops at the first header that is not an extension header, or at a
// non-first fragment's fragment header (what follows it is payload, not headers).
DropReason walk_ipv6_chain(const uint8_t* ip, uint32_t end, uint8_t next_header,
                           Ipv6Chain& chain) noexcept;

DropReason parse_ipv4(const uint8_t* frame, uint32_t offset, uint32_t len,
                      ParsedPacket& out) noexcept;
DropReason parse_ipv6(const uint8_t* frame, uint32_t offset, uint32_t len,
                      ParsedPacket& out) noexcept;

// Parses the L4 header at frame[offset, offset + length). `first_fragment` turns "too short"
// into tiny_fragment: the datagram goes on, but this piece cannot be judged.
DropReason parse_l4(const uint8_t* frame, uint32_t offset, uint32_t length, bool first_fragment,
                    ParsedPacket& out) noexcept;

// Parses the IP header + first 8 bytes of L4 embedded in an ICMP error of `family`.
DropReason parse_icmp_error_payload(const uint8_t* p, uint32_t n, IpFamily family,
                                    FlowTuple& inner) noexcept;

}  // namespace podwall::parse_detail
