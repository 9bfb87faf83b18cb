// Layer 2: Ethernet, VLAN tags, ARP, and the dispatch to layer 3.

#include "dataplane/packet/parse.h"

#include "dataplane/packet/parse_internal.h"

namespace podwall {

using parse_detail::be16;

namespace {

constexpr uint32_t kEthernetHeader = 14;
constexpr uint32_t kVlanTag = 4;
constexpr uint32_t kArpFixed = 8;

// Clears what a previous parse may have left, field by field: a whole-struct assignment makes
// compilers build a zeroed temporary and copy it, which shows up on every packet. The embedded
// packet of an ICMP error is cleared only when one is parsed; VLAN tags beyond vlan_count are
// stale by contract.
void reset(ParsedPacket& out) {
  out.vlan_count = 0;
  out.ethertype = 0;
  out.l3 = L3Kind::other;
  out.l2_control = false;
  out.l3_offset = 0;
  out.l4_offset = 0;
  out.l4_length = 0;
  out.hop_limit = 0;
  out.tuple = FlowTuple{};
  out.tcp_flags = 0;
  out.icmp_code = 0;
  out.sctp_first_chunk = 0;
  out.frag = FragmentInfo{};
  out.has_inner = false;
}

bool is_vlan_tpid(uint16_t type) {
  return type == ether_type::vlan || type == ether_type::qinq;
}

DropReason parse_arp(const uint8_t* frame, uint32_t offset, uint32_t len,
                     ParsedPacket& out) noexcept {
  out.l3 = L3Kind::arp;
  if (len - offset < kArpFixed) return DropReason::truncated_arp;
  const uint8_t* p = frame + offset;
  // Sender and target, each a hardware plus a protocol address.
  uint32_t addresses = 2u * (uint32_t(p[4]) + uint32_t(p[5]));
  if (len - offset - kArpFixed < addresses) return DropReason::truncated_arp;
  out.l2_control = true;
  return DropReason::none;
}

}  // namespace

DropReason parse_packet(const uint8_t* frame, uint32_t len, ParsedPacket& out) noexcept {
  reset(out);
  if (len < kEthernetHeader) return DropReason::truncated_l2;
  uint16_t type = be16(frame + 12);
  uint32_t offset = kEthernetHeader;
  // 802.1ad (0x88a8) and 802.1Q (0x8100) tags, in either order; policy applies to what they
  // carry. A third tag has no use on a pod network and is a known filter-evasion trick.
  while (is_vlan_tpid(type)) {
    if (out.vlan_count == 2) return DropReason::too_many_vlan_tags;
    if (len - offset < kVlanTag) return DropReason::truncated_vlan;
    out.vlans[out.vlan_count++] = VlanTag{type, be16(frame + offset)};
    type = be16(frame + offset + 2);
    offset += kVlanTag;
  }
  out.ethertype = type;
  out.l3_offset = uint16_t(offset);
  switch (type) {
    case ether_type::ipv4:
      return parse_detail::parse_ipv4(frame, offset, len, out);
    case ether_type::ipv6:
      return parse_detail::parse_ipv6(frame, offset, len, out);
    case ether_type::arp:
      return parse_arp(frame, offset, len, out);
    default:
      out.l3 = L3Kind::other;
      return DropReason::none;
  }
}

}  // namespace podwall
