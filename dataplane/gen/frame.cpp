#include "dataplane/gen/frame.h"

#include <cstring>

namespace podwall::gen {

namespace {

constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpAck = 0x10;

void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, uint16_t(v >> 16));
  put16(p + 2, uint16_t(v));
}
uint16_t get16(const uint8_t* p) {
  return uint16_t(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
  return uint32_t(get16(p)) << 16 | get16(p + 2);
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += get16(p + i);
  if (n & 1) sum += uint32_t(p[n - 1]) << 8;
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

// Adds `step` to the low 64 bits of an address (the last 4 bytes for IPv4, 8 for IPv6).
void address_at(const IpRange& r, uint64_t step, uint8_t* out) {
  size_t len = r.v6 ? 16 : 4;
  std::memcpy(out, r.first.data(), len);
  uint64_t carry = step;
  for (size_t i = len; i-- > (r.v6 ? 8 : 0) && carry != 0;) {
    uint64_t v = out[i] + (carry & 0xff);
    out[i] = uint8_t(v);
    carry = (carry >> 8) + (v >> 8);
  }
}

void mac_at(const MacRange& r, uint64_t step, uint8_t* out) {
  uint64_t v = 0;
  for (int i = 0; i < 6; ++i) v = v << 8 | r.first[i];
  v += step % r.count;
  for (int i = 5; i >= 0; --i, v >>= 8) out[i] = uint8_t(v);
}

}  // namespace

size_t build_frame(const FlowGroup& g, uint16_t group_index, uint64_t instance, uint16_t frame_size,
                   bool syn, uint8_t* out, StampSpot& spot) {
  const size_t len = size_t(frame_size) - 4;
  std::memset(out, 0, len);
  // Which 5-tuple: source address varies fastest, so consecutive instances spread over pods.
  uint64_t i = instance;
  uint64_t src = i % g.src_ip.count;
  i /= g.src_ip.count;
  uint64_t dst = i % g.dst_ip.count;
  i /= g.dst_ip.count;
  uint16_t sport = uint16_t(g.src_port.first + i % g.src_port.count);
  i /= g.src_port.count;
  uint16_t dport = uint16_t(g.dst_port.first + i % g.dst_port.count);

  mac_at(g.dst_mac, dst, out);
  mac_at(g.src_mac, src, out + 6);
  const bool v6 = g.src_ip.v6;
  put16(out + 12, v6 ? 0x86dd : 0x0800);
  uint8_t* ip = out + 14;
  const size_t ip_len = len - 14;
  const size_t ip_header = v6 ? 40 : 20;
  const uint8_t proto = g.protocol == Protocol::tcp   ? 6
                        : g.protocol == Protocol::udp ? 17
                        : v6                          ? 58
                                                      : 1;
  uint8_t* src_addr;
  uint8_t* dst_addr;
  if (v6) {
    put32(ip, 0x60000000u | 0x80000u | group_index);
    put16(ip + 4, uint16_t(ip_len - 40));
    ip[6] = proto;
    ip[7] = 64;
    src_addr = ip + 8;
    dst_addr = ip + 24;
  } else {
    ip[0] = 0x45;
    put16(ip + 2, uint16_t(ip_len));
    put16(ip + 4, uint16_t(0x8000u | group_index));
    put16(ip + 6, 0x4000);  // DF
    ip[8] = 64;
    ip[9] = proto;
    src_addr = ip + 12;
    dst_addr = ip + 16;
  }
  address_at(g.src_ip, src, src_addr);
  address_at(g.dst_ip, dst, dst_addr);
  if (!v6) put16(ip + 10, fold(sum16(ip, 20)));

  uint8_t* l4 = ip + ip_header;
  const size_t l4_len = ip_len - ip_header;
  size_t checksum_at = 0;
  switch (g.protocol) {
    case Protocol::tcp:
      put16(l4, sport);
      put16(l4 + 2, dport);
      l4[12] = 5 << 4;
      l4[13] = syn ? kTcpSyn : kTcpAck;
      put16(l4 + 14, 65535);
      checksum_at = 16;
      spot.tsc_offset = uint16_t(l4 + 4 - out);  // sequence + acknowledgement numbers
      break;
    case Protocol::udp:
      put16(l4, sport);
      put16(l4 + 2, dport);
      put16(l4 + 4, uint16_t(l4_len));
      checksum_at = 6;
      spot.tsc_offset = uint16_t(l4 + 8 - out);
      break;
    case Protocol::icmp:
      l4[0] = v6 ? 128 : 8;  // echo request
      put16(l4 + 4, uint16_t(instance));
      put16(l4 + 6, uint16_t(instance >> 16));
      checksum_at = 2;
      spot.tsc_offset = uint16_t(l4 + 8 - out);
      break;
  }
  // Checksum with the stamp at zero; stamp() patches it.
  uint32_t sum = 0;
  if (v6 || g.protocol != Protocol::icmp) {
    sum = sum16(src_addr, v6 ? 16 : 4, sum);
    sum = sum16(dst_addr, v6 ? 16 : 4, sum);
    sum += proto;
    sum += uint32_t(l4_len);
  }
  // Only the L4 header: the payload is zeros until stamp(), and zeros add nothing.
  sum = sum16(l4, g.protocol == Protocol::tcp ? 20 : 8, sum);
  uint16_t checksum = fold(sum);
  if (g.protocol == Protocol::udp && checksum == 0) checksum = 0xffff;
  put16(l4 + checksum_at, checksum);
  spot.checksum_offset = uint16_t(l4 + checksum_at - out);
  return len;
}

void stamp(uint8_t* frame, const StampSpot& spot, uint64_t tsc) {
  uint8_t* at = frame + spot.tsc_offset;
  // RFC 1624: HC' = ~(~HC + ~m + m') over the 16-bit words that change.
  uint32_t sum = uint16_t(~get16(frame + spot.checksum_offset));
  for (int w = 0; w < 4; ++w) sum += uint16_t(~get16(at + 2 * w));
  put32(at, uint32_t(tsc >> 32));
  put32(at + 4, uint32_t(tsc));
  sum = sum16(at, 8, sum);
  uint16_t checksum = fold(sum);
  put16(frame + spot.checksum_offset, checksum == 0 ? 0xffff : checksum);
}

bool read_stamp(const uint8_t* f, size_t length, uint16_t& group_index, uint64_t& tsc) {
  if (length < 14 + 20 + 16) return false;
  uint16_t type = get16(f + 12);
  const uint8_t* l4;
  uint8_t proto;
  if (type == 0x0800) {
    const uint8_t* ip = f + 14;
    uint16_t id = get16(ip + 4);
    if ((ip[0] >> 4) != 4 || !(id & 0x8000)) return false;
    group_index = id & kMaxGroups;
    proto = ip[9];
    l4 = ip + (ip[0] & 0x0f) * 4;
  } else if (type == 0x86dd) {
    const uint8_t* ip = f + 14;
    uint32_t label = get32(ip) & 0xfffff;
    if ((ip[0] >> 4) != 6 || !(label & 0x80000)) return false;
    group_index = uint16_t(label & kMaxGroups);
    proto = ip[6];
    l4 = ip + 40;
  } else {
    return false;
  }
  const uint8_t* at = proto == 6 ? l4 + 4 : l4 + 8;
  if (at + 8 > f + length) return false;
  tsc = uint64_t(get32(at)) << 32 | get32(at + 4);
  return true;
}

}  // namespace podwall::gen
