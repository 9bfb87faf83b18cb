#pragma once
// What the parser learns about one frame: plain values and offsets into the frame, no pointers,
// so a ParsedPacket can be copied, logged or compared in tests without the frame alive.

#include <cstdint>

#include "dataplane/policy/ip_address.h"

namespace podwall {

namespace ether_type {
inline constexpr uint16_t ipv4 = 0x0800;
inline constexpr uint16_t arp = 0x0806;
inline constexpr uint16_t vlan = 0x8100;  // 802.1Q customer tag
inline constexpr uint16_t qinq = 0x88a8;  // 802.1ad service tag
inline constexpr uint16_t ipv6 = 0x86dd;
}  // namespace ether_type

// IANA protocol numbers the parser acts on.
namespace ip_proto {
inline constexpr uint8_t hop_by_hop = 0;
inline constexpr uint8_t icmp = 1;
inline constexpr uint8_t tcp = 6;
inline constexpr uint8_t udp = 17;
inline constexpr uint8_t routing = 43;
inline constexpr uint8_t fragment = 44;
inline constexpr uint8_t esp = 50;
inline constexpr uint8_t ah = 51;
inline constexpr uint8_t icmpv6 = 58;
inline constexpr uint8_t no_next_header = 59;
inline constexpr uint8_t dest_options = 60;
inline constexpr uint8_t mobility = 135;
inline constexpr uint8_t hip = 139;
inline constexpr uint8_t shim6 = 140;
inline constexpr uint8_t sctp = 132;
}  // namespace ip_proto

namespace tcp_flag {
inline constexpr uint8_t fin = 0x01;
inline constexpr uint8_t syn = 0x02;
inline constexpr uint8_t rst = 0x04;
inline constexpr uint8_t psh = 0x08;
inline constexpr uint8_t ack = 0x10;
inline constexpr uint8_t urg = 0x20;
inline constexpr uint8_t ece = 0x40;
inline constexpr uint8_t cwr = 0x80;
}  // namespace tcp_flag

namespace sctp_chunk {
inline constexpr uint8_t init = 1;
inline constexpr uint8_t abort = 6;
inline constexpr uint8_t shutdown_complete = 14;
}  // namespace sctp_chunk

enum class L3Kind : uint8_t {
  other = 0,  // an ethertype we do not parse (also 802.3 length-field frames)
  arp,
  ipv4,
  ipv6,
};

// How conntrack treats an ICMP/ICMPv6 message.
enum class IcmpKind : uint8_t {
  none = 0,  // not ICMP
  request,   // echo (and the v4 timestamp/info/mask) request: may start a flow
  reply,     // the matching reply: only ever part of a flow
  error,     // dest unreachable, packet too big, time exceeded, parameter problem
  other,     // anything else: treated like a protocol without ports
};

struct VlanTag {
  uint16_t tpid = 0;  // 0x8100 or 0x88a8
  uint16_t tci = 0;   // priority, DEI and VLAN id as on the wire
  uint16_t vid() const { return tci & 0x0fff; }
};

// The identity of a packet as conntrack and policy see it. Also used for the packet embedded in
// an ICMP error, which is why it stands on its own.
struct FlowTuple {
  IpAddress src;
  IpAddress dst;
  uint8_t ip_proto = 0;    // final protocol, after IPv6 extension headers
  bool has_ports = false;  // TCP/UDP/SCTP whose ports were read
  uint16_t sport = 0;
  uint16_t dport = 0;
  IcmpKind icmp_kind = IcmpKind::none;
  uint8_t icmp_type = 0;
  uint16_t icmp_id = 0;  // request/reply identifier
};

struct FragmentInfo {
  bool is_fragment = false;  // MF set or offset non-zero (IPv6 atomic fragments are not)
  bool first = false;        // offset 0: carries the L4 header
  bool more = false;         // MF: not the last fragment
  uint8_t key_proto = 0;     // IPv4 protocol field; 0 for IPv6, whose id alone names a datagram
  uint16_t offset = 0;       // in bytes, within the fragmentable part
  uint16_t length = 0;       // bytes of the fragmentable part carried here
  uint32_t id = 0;           // 16 bits for IPv4, 32 for IPv6
};

struct ParsedPacket {
  // Layer 2.
  uint8_t vlan_count = 0;
  VlanTag vlans[2];        // outermost first; only [0, vlan_count) is meaningful
  uint16_t ethertype = 0;  // after the VLAN tags
  L3Kind l3 = L3Kind::other;
  // ARP, and IPv6 neighbour discovery / multicast listener messages: link control that the
  // bridge passes without policy.
  bool l2_control = false;

  // Layer 3 and 4. Offsets are from the start of the frame; l4_offset is 0 when no L4 header
  // was parsed (non-first fragments, ESP, protocols we do not parse).
  uint16_t l3_offset = 0;
  uint16_t l4_offset = 0;
  uint16_t l4_length = 0;  // bytes of IP payload from l4_offset on, in this packet
  uint8_t hop_limit = 0;   // IPv4 TTL or IPv6 hop limit
  FlowTuple tuple;
  uint8_t tcp_flags = 0;
  uint8_t icmp_code = 0;
  uint8_t sctp_first_chunk = 0;
  FragmentInfo frag;

  // For ICMP errors: the packet the error is about, so conntrack can relate it to a flow.
  // `inner` is meaningful only when has_inner.
  bool has_inner = false;
  FlowTuple inner;

  bool is_ip() const { return l3 == L3Kind::ipv4 || l3 == L3Kind::ipv6; }
  bool has_l4() const { return l4_offset != 0; }
};

}  // namespace podwall
