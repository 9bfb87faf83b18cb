#pragma once
// Builds test frames byte by byte, outermost layer first, and fills in the length and
// next-protocol fields at the end so that a test only states what it is about:
//
//   Bytes frame = FrameBuilder().vlan(0x8100, 10).ipv4(a, b).tcp(1234, 80, tcp_flag::syn).build();
//
// Each layer can be given wrong values on purpose (overrides) for the malformed cases.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "dataplane/policy/ip_address.h"

namespace podwall::test {

using Bytes = std::vector<uint8_t>;

IpAddress ip(std::string_view text);  // aborts the test program on a typo

struct Ipv4Fields {
  uint8_t version = 4;
  uint8_t ttl = 64;
  uint16_t id = 0x1234;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // bytes; must be a multiple of 8 to be representable
  std::vector<uint8_t> options;  // padded to 4 bytes
  std::optional<uint8_t> ihl_words;
  std::optional<uint16_t> total_length;
};

struct Ipv6Fields {
  uint8_t version = 6;
  uint8_t hop_limit = 64;
  std::optional<uint16_t> payload_length;
};

class FrameBuilder {
 public:
  // Starts with an Ethernet header; `ip_only` starts bare (for packets inside ICMP errors).
  explicit FrameBuilder(bool ip_only = false);

  FrameBuilder& vlan(uint16_t tpid, uint16_t tci);
  FrameBuilder& ethertype(uint16_t type);  // for ARP-less raw or unknown payloads
  FrameBuilder& arp();
  FrameBuilder& ipv4(const IpAddress& src, const IpAddress& dst, const Ipv4Fields& f = {});
  FrameBuilder& ipv6(const IpAddress& src, const IpAddress& dst, const Ipv6Fields& f = {});
  // A generic IPv6 extension header of `type` and `length` bytes (a multiple of 8, >= 8).
  FrameBuilder& ext(uint8_t type, uint32_t length = 8);
  FrameBuilder& ah(uint32_t length = 12);  // length a multiple of 4, >= 8
  FrameBuilder& frag6(uint16_t offset, bool more, uint32_t id);
  FrameBuilder& tcp(uint16_t sport, uint16_t dport, uint8_t flags, uint8_t data_offset_words = 5);
  FrameBuilder& udp(uint16_t sport, uint16_t dport, std::optional<uint16_t> length = {});
  FrameBuilder& sctp(uint16_t sport, uint16_t dport, uint8_t chunk_type);
  FrameBuilder& icmp4(uint8_t type, uint8_t code, uint16_t id = 0, uint16_t seq = 0);
  FrameBuilder& icmp6(uint8_t type, uint8_t code, uint16_t id = 0, uint16_t seq = 0);
  FrameBuilder& protocol(uint8_t proto);  // sets the pending next-protocol field only
  FrameBuilder& payload(size_t n, uint8_t fill = 0xab);
  FrameBuilder& raw(const Bytes& bytes);

  Bytes build() const;

 private:
  void set_type(uint16_t type);
  void set_proto(uint8_t proto);
  void put16(size_t at, uint16_t v);

  Bytes bytes_;
  std::optional<size_t> type_at_;   // ethertype field to fill by the next layer
  std::optional<size_t> proto_at_;  // IP protocol / next header field to fill
  struct Fixup {
    enum Kind { ipv4_total, ipv6_payload, udp_length } kind;
    size_t start;
  };
  std::vector<Fixup> fixups_;
};

}  // namespace podwall::test
