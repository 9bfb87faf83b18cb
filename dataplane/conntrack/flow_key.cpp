#include "dataplane/conntrack/flow_key.h"

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
  return flow_key_detail::ordered_key(
      load_word(t.src.bytes.data(), 0), load_word(t.src.bytes.data(), 1),
      load_word(t.dst.bytes.data(), 0), load_word(t.dst.bytes.data(), 1), sport, dport, t.ip_proto,
      t.src.is_v4() ? 4 : 6, query, t.icmp_kind == IcmpKind::request, src_is_lo);
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
