#pragma once
// The express lane's reader: the few fields of a frame that can only belong to an established
// flow, read straight from its bytes.
//
// Nearly every frame a worker sees is an untagged IPv4 packet without options or
// fragmentation carrying a TCP segment of an open connection (ACK, no SYN, FIN or RST) or a
// UDP datagram. parse_packet() fills a ParsedPacket of 132 bytes for it, ready for VLAN
// tags, IPv6 chains, fragments and ICMP; read_express() checks and reads the dozen bytes such a
// frame needs and nothing else. It accepts a frame only if parse_packet() accepts it too, with
// the same addresses, protocol, ports and TCP flags (express_test.cpp holds it to that on
// mutated frames); for every other frame it returns false and the frame takes the general path.

#include <cstdint>

namespace podwall {

struct ExpressPacket {
  uint8_t src[4];  // IPv4 addresses as on the wire
  uint8_t dst[4];
  uint16_t sport;
  uint16_t dport;
  uint8_t ip_proto;   // ip_proto::tcp or ip_proto::udp
  uint8_t tcp_flags;  // 0 for UDP
};

// True with `out` filled when `frame` (`len` bytes, all readable) is an express frame; reads
// nothing past `len`. False leaves `out` unspecified.
bool read_express(const uint8_t* frame, uint32_t len, ExpressPacket& out) noexcept;

}  // namespace podwall
