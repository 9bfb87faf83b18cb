#include "dataplane/conntrack/flow_key.h"

#include <bit>
#include <cstddef>
#include <cstring>

#include "dataplane/conntrack/words.h"

namespace podwall {

namespace {

bool has_ports(uint8_t proto) {
  return proto == ip_proto::tcp || proto == ip_proto::udp || proto == ip_proto::sctp;
}

IpAddress address_of(const std::array<uint8_t, 16>& bytes, uint8_t family) {
  IpAddress a;
  a.family = family == 6 ? IpFamily::v6 : IpFamily::v4;
  a.bytes = bytes;
  return a;
}

// The key's last word is (port_lo, port_hi, ip_proto, family, query_initiator, reserved) in
// memory order.
static_assert(std::endian::native == std::endian::little);
static_assert(offsetof(FlowKey, port_lo) == 32 && offsetof(FlowKey, port_hi) == 34 &&
              offsetof(FlowKey, ip_proto) == 36 && offsetof(FlowKey, family) == 37 &&
              offsetof(FlowKey, query_initiator) == 38);

// The one place that orders a flow's two ends. Addresses come as the two native 64-bit words
// of their 16 key bytes (an IPv4 address is its four bytes then zeros). `query`: an ICMP query,
// whose initiator the key records (`request`: the source sent the request).
FlowKey ordered_key(uint64_t s0, uint64_t s1, uint64_t d0, uint64_t d1, uint16_t sport,
                    uint16_t dport, uint8_t ip_proto, uint8_t family, bool query, bool request,
                    bool& src_is_lo) noexcept {
  // Any total order will do, as long as both directions agree: compare the addresses as two
  // native 64-bit words rather than byte by byte.
  if (s0 != d0) {
    src_is_lo = s0 < d0;
  } else if (s1 != d1) {
    src_is_lo = s1 < d1;
  } else {
    src_is_lo = sport <= dport;
  }

  // Written as five whole words: the table hashes the key as words at once, and a word load
  // over narrower stores would stall until they retire.
  uint8_t query_initiator = 0;
  if (query) query_initiator = request == src_is_lo ? 1 : 2;
  const uint64_t tail = uint64_t(src_is_lo ? sport : dport) |
                        uint64_t(src_is_lo ? dport : sport) << 16 | uint64_t(ip_proto) << 32 |
                        uint64_t(family) << 40 | uint64_t(query_initiator) << 48;
  FlowKey key;
  store_word(&key, 0, src_is_lo ? s0 : d0);
  store_word(&key, 1, src_is_lo ? s1 : d1);
  store_word(&key, 2, src_is_lo ? d0 : s0);
  store_word(&key, 3, src_is_lo ? d1 : s1);
  store_word(&key, 4, tail);
  return key;
}

}  // namespace

FlowKey make_flow_key(const FlowTuple& t, bool& src_is_lo) noexcept {
  uint16_t sport = 0;
  uint16_t dport = 0;
  bool query = t.icmp_kind == IcmpKind::request || t.icmp_kind == IcmpKind::reply;
  if (t.has_ports) {
    sport = t.sport;
    dport = t.dport;
  } else if (query) {
    sport = t.icmp_id;
    dport = t.icmp_id;
  }
  return ordered_key(load_word(t.src.bytes.data(), 0), load_word(t.src.bytes.data(), 1),
                     load_word(t.dst.bytes.data(), 0), load_word(t.dst.bytes.data(), 1), sport,
                     dport, t.ip_proto, t.src.is_v4() ? 4 : 6, query,
                     t.icmp_kind == IcmpKind::request, src_is_lo);
}

FlowKey make_v4_flow_key(const uint8_t src[4], const uint8_t dst[4], uint16_t sport, uint16_t dport,
                         uint8_t ip_proto, bool& src_is_lo) noexcept {
  uint32_t s, d;
  std::memcpy(&s, src, 4);
  std::memcpy(&d, dst, 4);
  return ordered_key(s, 0, d, 0, sport, dport, ip_proto, 4, false, false, src_is_lo);
}

FlowQuery original_query(const FlowKey& key, bool initiator_is_lo) noexcept {
  FlowQuery q;
  q.src = address_of(initiator_is_lo ? key.addr_lo : key.addr_hi, key.family);
  q.dst = address_of(initiator_is_lo ? key.addr_hi : key.addr_lo, key.family);
  q.ip_proto = key.ip_proto;
  q.dst_port = has_ports(key.ip_proto) ? (initiator_is_lo ? key.port_hi : key.port_lo) : 0;
  return q;
}

FlowQuery query_for(const FlowTuple& t) noexcept {
  FlowQuery q;
  q.src = t.src;
  q.dst = t.dst;
  q.ip_proto = t.ip_proto;
  q.dst_port = t.has_ports ? t.dport : 0;
  return q;
}

}  // namespace podwall
