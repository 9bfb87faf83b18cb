// Layer 4: TCP, UDP, SCTP, ICMPv4 and ICMPv6, and the packet embedded in an ICMP error.

#include "dataplane/packet/parse_internal.h"

namespace podwall::parse_detail {

namespace {

constexpr uint32_t kTcpMinHeader = 20;
constexpr uint32_t kUdpHeader = 8;
constexpr uint32_t kSctpCommonHeader = 12;
constexpr uint32_t kSctpChunkHeader = 4;
constexpr uint32_t kIcmpHeader = 8;
// RFC 792 and RFC 4443 promise at least this much of the offending packet's L4 header.
constexpr uint32_t kIcmpErrorL4Bytes = 8;

bool has_ports(uint8_t proto) {
  return proto == ip_proto::tcp || proto == ip_proto::udp || proto == ip_proto::sctp;
}

bool is_icmp_of(uint8_t proto, IpFamily family) {
  return family == IpFamily::v4 ? proto == ip_proto::icmp : proto == ip_proto::icmpv6;
}

// Neighbour discovery (RFC 4861 7.1) is only valid with hop limit 255, and multicast listener
// messages (RFC 2710, RFC 3810) are sent with hop limit 1: both never leave the link. Anything
// else with these types is ordinary ICMPv6 and meets the policy.
bool is_ipv6_link_control(uint8_t type, uint8_t hop_limit) {
  if (type >= 133 && type <= 137) return hop_limit == 255;
  if (type == 130 || type == 131 || type == 132 || type == 143) return hop_limit == 1;
  return false;
}

// Reads ports (or the ICMP query id) from the first bytes of an embedded packet's L4 header.
DropReason parse_inner_l4(const uint8_t* p, uint32_t n, IpFamily family, FlowTuple& inner) {
  if (has_ports(inner.ip_proto)) {
    if (n < kIcmpErrorL4Bytes) return DropReason::bad_icmp_error;
    inner.has_ports = true;
    inner.sport = be16(p);
    inner.dport = be16(p + 2);
  } else if (is_icmp_of(inner.ip_proto, family)) {
    if (n < kIcmpErrorL4Bytes) return DropReason::bad_icmp_error;
    inner.icmp_type = p[0];
    inner.icmp_kind = icmp_kind_of(p[0], family);
    if (inner.icmp_kind == IcmpKind::request || inner.icmp_kind == IcmpKind::reply) {
      inner.icmp_id = be16(p + 4);
    }
  }
  return DropReason::none;
}

DropReason parse_icmp(const uint8_t* p, uint32_t length, DropReason too_short, IpFamily family,
                      ParsedPacket& out) {
  if (length < kIcmpHeader) return too_short;
  FlowTuple& t = out.tuple;
  t.icmp_type = p[0];
  out.icmp_code = p[1];
  t.icmp_kind = icmp_kind_of(p[0], family);
  if (t.icmp_kind == IcmpKind::request || t.icmp_kind == IcmpKind::reply) {
    t.icmp_id = be16(p + 4);
  } else if (t.icmp_kind == IcmpKind::error) {
    out.inner = FlowTuple{};
    DropReason bad =
        parse_icmp_error_payload(p + kIcmpHeader, length - kIcmpHeader, family, out.inner);
    if (bad != DropReason::none) return bad;
    out.has_inner = true;
  }
  // A fragmented ND message is invalid (RFC 6980): it gets no link-control pass.
  if (family == IpFamily::v6 && !out.frag.is_fragment) {
    out.l2_control = is_ipv6_link_control(p[0], out.hop_limit);
  }
  return DropReason::none;
}

}  // namespace

IcmpKind icmp_kind_of(uint8_t type, IpFamily family) noexcept {
  if (family == IpFamily::v4) {
    switch (type) {
      case 8:   // echo
      case 13:  // timestamp
      case 15:  // information
      case 17:  // address mask
        return IcmpKind::request;
      case 0:
      case 14:
      case 16:
      case 18:
        return IcmpKind::reply;
      case 3:   // destination unreachable (fragmentation needed included)
      case 11:  // time exceeded
      case 12:  // parameter problem
        return IcmpKind::error;
      default:
        return IcmpKind::other;
    }
  }
  switch (type) {
    case 128:
      return IcmpKind::request;
    case 129:
      return IcmpKind::reply;
    case 1:  // destination unreachable
    case 2:  // packet too big
    case 3:  // time exceeded
    case 4:  // parameter problem
      return IcmpKind::error;
    default:
      return IcmpKind::other;
  }
}

DropReason parse_icmp_error_payload(const uint8_t* p, uint32_t n, IpFamily family,
                                    FlowTuple& inner) noexcept {
  // The embedded packet is cut by design, so its length fields are not checked against what
  // is here; only what we read must be here.
  uint32_t l4_offset;
  bool non_first_fragment;
  if (family == IpFamily::v4) {
    if (n < 20 || p[0] >> 4 != 4) return DropReason::bad_icmp_error;
    uint32_t header = (p[0] & 0x0fu) * 4;
    if (header < 20 || header > n) return DropReason::bad_icmp_error;
    inner.ip_proto = p[9];
    store_v4(inner.src, p + 12);
    store_v4(inner.dst, p + 16);
    l4_offset = header;
    non_first_fragment = (be16(p + 6) & 0x1fff) != 0;
  } else {
    if (n < 40 || p[0] >> 4 != 6) return DropReason::bad_icmp_error;
    store_v6(inner.src, p + 8);
    store_v6(inner.dst, p + 24);
    Ipv6Chain chain;
    if (walk_ipv6_chain(p, n, p[6], chain) != DropReason::none) return DropReason::bad_icmp_error;
    inner.ip_proto = chain.proto;
    l4_offset = chain.l4_offset;
    non_first_fragment = chain.fragment && chain.frag_offset != 0;
  }
  // A non-first fragment has no L4 header: the tuple stays portless.
  if (non_first_fragment) return DropReason::none;
  return parse_inner_l4(p + l4_offset, n - l4_offset, family, inner);
}

DropReason parse_l4(const uint8_t* frame, uint32_t offset, uint32_t length, bool first_fragment,
                    ParsedPacket& out) noexcept {
  const uint8_t* p = frame + offset;
  FlowTuple& t = out.tuple;
  // A first fragment too short for its L4 header is the RFC 1858 "tiny fragment" attack: the
  // ports (or TCP flags) would hide in the next fragment, out of the filter's sight.
  DropReason too_short = first_fragment ? DropReason::tiny_fragment : DropReason::truncated_l4;
  IpFamily family = out.l3 == L3Kind::ipv4 ? IpFamily::v4 : IpFamily::v6;
  switch (t.ip_proto) {
    case ip_proto::tcp: {
      if (length < kTcpMinHeader) return too_short;
      uint32_t header = uint32_t(p[12] >> 4) * 4;
      if (header < kTcpMinHeader) return DropReason::bad_tcp_data_offset;
      if (header > length) {
        return first_fragment ? DropReason::tiny_fragment : DropReason::bad_tcp_data_offset;
      }
      t.sport = be16(p);
      t.dport = be16(p + 2);
      t.has_ports = true;
      out.tcp_flags = p[13];
      break;
    }
    case ip_proto::udp: {
      if (length < kUdpHeader) return too_short;
      uint32_t udp_length = be16(p + 4);
      // A first fragment's UDP length covers the whole datagram, not just this piece.
      if (udp_length < kUdpHeader || (!first_fragment && udp_length > length)) {
        return DropReason::bad_udp_length;
      }
      t.sport = be16(p);
      t.dport = be16(p + 2);
      t.has_ports = true;
      break;
    }
    case ip_proto::sctp:
      // The common header plus the first chunk's header, whose type says INIT or not.
      if (length < kSctpCommonHeader + kSctpChunkHeader) return too_short;
      t.sport = be16(p);
      t.dport = be16(p + 2);
      t.has_ports = true;
      out.sctp_first_chunk = p[12];
      break;
    case ip_proto::icmp:
    case ip_proto::icmpv6:
      // ICMPv4 inside IPv6 (or the reverse) is just an unknown protocol.
      if (!is_icmp_of(t.ip_proto, family)) return DropReason::none;
      if (DropReason bad = parse_icmp(p, length, too_short, family, out); bad != DropReason::none) {
        return bad;
      }
      break;
    default:
      return DropReason::none;  // no L4 header we read: judged by (src, dst, proto)
  }
  out.l4_offset = uint16_t(offset);
  out.l4_length = uint16_t(length);
  return DropReason::none;
}

}  // namespace podwall::parse_detail
