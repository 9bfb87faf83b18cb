// Layer 3: IPv4 (options, fragments) and IPv6 (extension-header chain, fragments).

#include "dataplane/packet/parse_internal.h"

namespace podwall::parse_detail {

namespace {

constexpr uint32_t kIpv4MinHeader = 20;
constexpr uint32_t kIpv6Header = 40;
constexpr uint32_t kMaxDatagram = 65535;

bool is_ipv6_extension(uint8_t next_header) {
  switch (next_header) {
    case ip_proto::hop_by_hop:
    case ip_proto::routing:
    case ip_proto::fragment:
    case ip_proto::ah:
    case ip_proto::dest_options:
    case ip_proto::mobility:
    case ip_proto::hip:
    case ip_proto::shim6:
      return true;
    default:
      // ESP (50) and No Next Header (59) end the chain: nothing after them can be read.
      return false;
  }
}

// Non-last fragments must carry a whole number of 8-byte units, or no receiver can reassemble
// them; and no fragment may reach past the largest datagram (the classic "ping of death").
DropReason check_fragment_geometry(const FragmentInfo& frag, uint32_t header_bytes) {
  if (frag.more && (frag.length == 0 || frag.length % 8 != 0)) {
    return DropReason::bad_fragment_length;
  }
  if (header_bytes + frag.offset + frag.length > kMaxDatagram) {
    return DropReason::bad_fragment_offset;
  }
  return DropReason::none;
}

}  // namespace

DropReason walk_ipv6_chain(const uint8_t* ip, uint32_t end, uint8_t next_header,
                           Ipv6Chain& chain) noexcept {
  uint32_t offset = kIpv6Header;
  unsigned count = 0;
  bool seen_fragment_header = false;
  // After the fragment header of a first fragment, the rest of the chain must be in this very
  // packet (RFC 7112); running out of bytes there is a different offence than a header that
  // simply overruns its payload.
  DropReason overrun = DropReason::truncated_ipv6_ext_header;
  while (is_ipv6_extension(next_header)) {
    if (count == kMaxIpv6ExtHeaders) return DropReason::ipv6_ext_chain_too_long;
    // RFC 8200 4.1: hop-by-hop options only ever come first.
    if (next_header == ip_proto::hop_by_hop && count != 0) return DropReason::bad_ipv6_ext_chain;
    ++count;
    // Every extension header is at least 8 bytes long.
    if (end - offset < 8) return overrun;
    const uint8_t* h = ip + offset;
    uint32_t length;
    if (next_header == ip_proto::fragment) {
      if (seen_fragment_header) return DropReason::bad_ipv6_ext_chain;
      seen_fragment_header = true;
      length = 8;
      uint16_t field = be16(h + 2);
      uint16_t frag_offset = field & 0xfff8;
      bool more = field & 1;
      // Offset 0 without M is an atomic fragment (RFC 6946): a whole datagram, judged as such.
      if (frag_offset != 0 || more) {
        chain.fragment = true;
        chain.more = more;
        chain.frag_offset = frag_offset;
        chain.frag_id = be32(h + 4);
        chain.fragmentable_offset = offset + 8;
        if (frag_offset != 0) {
          chain.proto = h[0];
          chain.l4_offset = 0;
          return DropReason::none;
        }
        overrun = DropReason::ipv6_ext_chain_not_in_first_fragment;
      }
    } else if (next_header == ip_proto::ah) {
      length = (uint32_t(h[1]) + 2) * 4;  // AH counts 4-byte words (RFC 4302)
    } else {
      length = (uint32_t(h[1]) + 1) * 8;
    }
    if (end - offset < length) return overrun;
    next_header = h[0];
    offset += length;
  }
  chain.proto = next_header;
  chain.l4_offset = offset;
  return DropReason::none;
}

DropReason parse_ipv4(const uint8_t* frame, uint32_t offset, uint32_t len,
                      ParsedPacket& out) noexcept {
  out.l3 = L3Kind::ipv4;
  const uint8_t* ip = frame + offset;
  uint32_t available = len - offset;
  if (available < kIpv4MinHeader) return DropReason::truncated_ipv4;
  if (ip[0] >> 4 != 4) return DropReason::bad_ipv4_version;
  uint32_t header = (ip[0] & 0x0fu) * 4;
  if (header < kIpv4MinHeader) return DropReason::bad_ipv4_ihl;
  if (header > available) return DropReason::truncated_ipv4;
  uint32_t total = be16(ip + 2);
  // Ethernet pads short frames to 60 bytes, so bytes beyond total_length are normal and
  // ignored; a total_length beyond the frame means the packet was cut.
  if (total < header || total > available) return DropReason::bad_ipv4_total_length;

  out.hop_limit = ip[8];
  out.tuple.ip_proto = ip[9];
  store_v4(out.tuple.src, ip + 12);
  store_v4(out.tuple.dst, ip + 16);

  uint32_t payload = total - header;
  uint16_t frag_field = be16(ip + 6);
  bool more = frag_field & 0x2000;
  uint16_t frag_offset = uint16_t((frag_field & 0x1fff) * 8);
  if (more || frag_offset != 0) {
    FragmentInfo& frag = out.frag;
    frag.is_fragment = true;
    frag.first = frag_offset == 0;
    frag.more = more;
    frag.key_proto = out.tuple.ip_proto;
    frag.offset = frag_offset;
    frag.length = uint16_t(payload);
    frag.id = be16(ip + 4);
    DropReason bad = check_fragment_geometry(frag, header);
    if (bad != DropReason::none) return bad;
    if (!frag.first) return DropReason::none;  // no L4 header in here
  }
  return parse_l4(frame, offset + header, payload, out.frag.is_fragment, out);
}

DropReason parse_ipv6(const uint8_t* frame, uint32_t offset, uint32_t len,
                      ParsedPacket& out) noexcept {
  out.l3 = L3Kind::ipv6;
  const uint8_t* ip = frame + offset;
  uint32_t available = len - offset;
  if (available < kIpv6Header) return DropReason::truncated_ipv6;
  if (ip[0] >> 4 != 6) return DropReason::bad_ipv6_version;
  uint32_t payload = be16(ip + 4);
  // Payload length 0 would mean a jumbogram; we do not take those, and the chain walk below
  // then finds no room for the hop-by-hop header that must announce it.
  if (payload > available - kIpv6Header) return DropReason::bad_ipv6_payload_length;

  out.hop_limit = ip[7];
  store_v6(out.tuple.src, ip + 8);
  store_v6(out.tuple.dst, ip + 24);

  uint32_t end = kIpv6Header + payload;
  Ipv6Chain chain;
  DropReason bad = walk_ipv6_chain(ip, end, ip[6], chain);
  out.tuple.ip_proto = chain.proto;
  if (bad != DropReason::none) return bad;

  if (chain.fragment) {
    FragmentInfo& frag = out.frag;
    frag.is_fragment = true;
    frag.first = chain.frag_offset == 0;
    frag.more = chain.more;
    frag.key_proto = 0;
    frag.offset = chain.frag_offset;
    frag.length = uint16_t(end - chain.fragmentable_offset);
    frag.id = chain.frag_id;
    bad = check_fragment_geometry(frag, 0);
    if (bad != DropReason::none) return bad;
    if (!frag.first) return DropReason::none;
  }
  return parse_l4(frame, offset + chain.l4_offset, end - chain.l4_offset, chain.fragment, out);
}

}  // namespace podwall::parse_detail
