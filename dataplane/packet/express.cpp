#include "dataplane/packet/express.h"

#include <cstring>

#include "dataplane/packet/parse_internal.h"

namespace podwall {

using parse_detail::be16;

namespace {

constexpr uint32_t kEthernetHeader = 14;
constexpr uint32_t kIpv4Header = 20;  // no options
constexpr uint32_t kTcpMinHeader = 20;
constexpr uint32_t kUdpHeader = 8;

// The TCP flags that decide conntrack's treatment; PSH, ECE and CWR ride along with anything.
constexpr uint8_t kDecidingFlags =
    tcp_flag::syn | tcp_flag::fin | tcp_flag::rst | tcp_flag::ack | tcp_flag::urg;

}  // namespace

// Each test below is one the general parser makes too (parse.cpp, parse_ip.cpp,
// parse_l4.cpp), or narrower: where this reader says yes, the parser finds no fault.
bool read_express(const uint8_t* frame, uint32_t len, ExpressPacket& out) noexcept {
  if (len < kEthernetHeader + kIpv4Header + kUdpHeader) return false;
  if (be16(frame + 12) != ether_type::ipv4) return false;  // VLAN tags take the general path
  const uint8_t* ip = frame + kEthernetHeader;
  if (ip[0] != 0x45) return false;  // version 4, a 20-byte header: options take the general path
  const uint32_t total = be16(ip + 2);
  if (total < kIpv4Header || total > len - kEthernetHeader) return false;
  if ((be16(ip + 6) & 0x3fff) != 0) return false;  // MF or an offset: a fragment
  const uint8_t* l4 = ip + kIpv4Header;
  const uint32_t l4_length = total - kIpv4Header;
  out.ip_proto = ip[9];
  if (out.ip_proto == ip_proto::tcp) {
    if (l4_length < kTcpMinHeader) return false;
    out.tcp_flags = l4[13];
    // A segment of an open connection; SYN, FIN, RST and URG go the general way. Tested
    // before the header length, so that a SYN, the frame this lane turns away most, leaves
    // a step sooner.
    if ((out.tcp_flags & kDecidingFlags) != tcp_flag::ack) return false;
    const uint32_t header = uint32_t(l4[12] >> 4) * 4;
    if (header < kTcpMinHeader || header > l4_length) return false;
  } else if (out.ip_proto == ip_proto::udp) {
    if (l4_length < kUdpHeader) return false;
    const uint32_t udp_length = be16(l4 + 4);
    if (udp_length < kUdpHeader || udp_length > l4_length) return false;
    out.tcp_flags = 0;
  } else {
    return false;
  }
  std::memcpy(out.src, ip + 12, 4);
  std::memcpy(out.dst, ip + 16, 4);
  out.sport = be16(l4);
  out.dport = be16(l4 + 2);
  return true;
}

}  // namespace podwall
