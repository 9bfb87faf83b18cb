#include "tests/unit/packet/frame_builder.h"

#include <cstdio>
#include <cstdlib>

namespace podwall::test {

IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  if (!a) {
    std::fprintf(stderr, "bad address in test: %.*s\n", int(text.size()), text.data());
    std::abort();
  }
  return *a;
}

FrameBuilder::FrameBuilder(bool ip_only) {
  if (ip_only) return;
  const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x02};
  const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};
  bytes_.insert(bytes_.end(), dst, dst + 6);
  bytes_.insert(bytes_.end(), src, src + 6);
  type_at_ = bytes_.size();
  bytes_.resize(bytes_.size() + 2);
}

void FrameBuilder::put16(size_t at, uint16_t v) {
  bytes_[at] = uint8_t(v >> 8);
  bytes_[at + 1] = uint8_t(v);
}

void FrameBuilder::set_type(uint16_t type) {
  if (type_at_) put16(*type_at_, type);
  type_at_.reset();
}

void FrameBuilder::set_proto(uint8_t proto) {
  if (proto_at_) bytes_[*proto_at_] = proto;
  proto_at_.reset();
}

FrameBuilder& FrameBuilder::vlan(uint16_t tpid, uint16_t tci) {
  set_type(tpid);
  size_t at = bytes_.size();
  bytes_.resize(at + 4);
  put16(at, tci);
  type_at_ = at + 2;
  return *this;
}

FrameBuilder& FrameBuilder::ethertype(uint16_t type) {
  set_type(type);
  return *this;
}

FrameBuilder& FrameBuilder::arp() {
  set_type(0x0806);
  const uint8_t request[28] = {0, 1, 0x08, 0, 6, 4, 0,   1,          // Ethernet/IPv4, request
                               2, 0, 0,    0, 0, 1, 198, 18, 0, 1,   // sender
                               0, 0, 0,    0, 0, 0, 198, 18, 0, 2};  // target
  bytes_.insert(bytes_.end(), request, request + 28);
  return *this;
}

FrameBuilder& FrameBuilder::ipv4(const IpAddress& src, const IpAddress& dst, const Ipv4Fields& f) {
  set_type(0x0800);
  size_t start = bytes_.size();
  size_t options = (f.options.size() + 3) / 4 * 4;
  uint8_t ihl = f.ihl_words.value_or(uint8_t((20 + options) / 4));
  bytes_.resize(start + 20 + options);
  bytes_[start] = uint8_t(f.version << 4 | (ihl & 0x0f));
  put16(start + 4, f.id);
  put16(start + 6, uint16_t((f.more_fragments ? 0x2000 : 0) | (f.fragment_offset / 8)));
  bytes_[start + 8] = f.ttl;
  for (int i = 0; i < 4; ++i) {
    bytes_[start + 12 + i] = src.bytes[i];
    bytes_[start + 16 + i] = dst.bytes[i];
  }
  for (size_t i = 0; i < f.options.size(); ++i) bytes_[start + 20 + i] = f.options[i];
  proto_at_ = start + 9;
  if (f.total_length) {
    put16(start + 2, *f.total_length);
  } else {
    fixups_.push_back({Fixup::ipv4_total, start});
  }
  return *this;
}

FrameBuilder& FrameBuilder::ipv6(const IpAddress& src, const IpAddress& dst, const Ipv6Fields& f) {
  set_type(0x86dd);
  size_t start = bytes_.size();
  bytes_.resize(start + 40);
  bytes_[start] = uint8_t(f.version << 4);
  bytes_[start + 7] = f.hop_limit;
  for (int i = 0; i < 16; ++i) {
    bytes_[start + 8 + i] = src.bytes[i];
    bytes_[start + 24 + i] = dst.bytes[i];
  }
  proto_at_ = start + 6;
  if (f.payload_length) {
    put16(start + 4, *f.payload_length);
  } else {
    fixups_.push_back({Fixup::ipv6_payload, start});
  }
  return *this;
}

FrameBuilder& FrameBuilder::ext(uint8_t type, uint32_t length) {
  set_proto(type);
  size_t start = bytes_.size();
  bytes_.resize(start + length);
  bytes_[start + 1] = uint8_t(length / 8 - 1);
  proto_at_ = start;
  return *this;
}

FrameBuilder& FrameBuilder::ah(uint32_t length) {
  set_proto(51);
  size_t start = bytes_.size();
  bytes_.resize(start + length);
  bytes_[start + 1] = uint8_t(length / 4 - 2);
  proto_at_ = start;
  return *this;
}

FrameBuilder& FrameBuilder::frag6(uint16_t offset, bool more, uint32_t id) {
  set_proto(44);
  size_t start = bytes_.size();
  bytes_.resize(start + 8);
  put16(start + 2, uint16_t((offset & 0xfff8) | (more ? 1 : 0)));
  put16(start + 4, uint16_t(id >> 16));
  put16(start + 6, uint16_t(id));
  proto_at_ = start;
  return *this;
}

FrameBuilder& FrameBuilder::tcp(uint16_t sport, uint16_t dport, uint8_t flags,
                                uint8_t data_offset_words) {
  set_proto(6);
  size_t start = bytes_.size();
  size_t header = data_offset_words >= 5 ? data_offset_words * 4u : 20u;
  bytes_.resize(start + header);
  put16(start, sport);
  put16(start + 2, dport);
  bytes_[start + 12] = uint8_t(data_offset_words << 4);
  bytes_[start + 13] = flags;
  put16(start + 14, 65535);
  return *this;
}

FrameBuilder& FrameBuilder::udp(uint16_t sport, uint16_t dport, std::optional<uint16_t> length) {
  set_proto(17);
  size_t start = bytes_.size();
  bytes_.resize(start + 8);
  put16(start, sport);
  put16(start + 2, dport);
  if (length) {
    put16(start + 4, *length);
  } else {
    fixups_.push_back({Fixup::udp_length, start});
  }
  return *this;
}

FrameBuilder& FrameBuilder::sctp(uint16_t sport, uint16_t dport, uint8_t chunk_type) {
  set_proto(132);
  size_t start = bytes_.size();
  bytes_.resize(start + 12 + 4);
  put16(start, sport);
  put16(start + 2, dport);
  bytes_[start + 12] = chunk_type;
  put16(start + 14, 4);  // chunk length
  return *this;
}

FrameBuilder& FrameBuilder::icmp4(uint8_t type, uint8_t code, uint16_t id, uint16_t seq) {
  set_proto(1);
  size_t start = bytes_.size();
  bytes_.resize(start + 8);
  bytes_[start] = type;
  bytes_[start + 1] = code;
  put16(start + 4, id);
  put16(start + 6, seq);
  return *this;
}

FrameBuilder& FrameBuilder::icmp6(uint8_t type, uint8_t code, uint16_t id, uint16_t seq) {
  set_proto(58);
  size_t start = bytes_.size();
  bytes_.resize(start + 8);
  bytes_[start] = type;
  bytes_[start + 1] = code;
  put16(start + 4, id);
  put16(start + 6, seq);
  return *this;
}

FrameBuilder& FrameBuilder::protocol(uint8_t proto) {
  set_proto(proto);
  return *this;
}

FrameBuilder& FrameBuilder::payload(size_t n, uint8_t fill) {
  set_proto(59);  // harmless when already set
  bytes_.insert(bytes_.end(), n, fill);
  return *this;
}

FrameBuilder& FrameBuilder::raw(const Bytes& bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return *this;
}

Bytes FrameBuilder::build() const {
  Bytes out = bytes_;
  auto put = [&](size_t at, size_t v) {
    out[at] = uint8_t(v >> 8);
    out[at + 1] = uint8_t(v);
  };
  for (const Fixup& f : fixups_) {
    switch (f.kind) {
      case Fixup::ipv4_total:
        put(f.start + 2, out.size() - f.start);
        break;
      case Fixup::ipv6_payload:
        put(f.start + 4, out.size() - f.start - 40);
        break;
      case Fixup::udp_length:
        put(f.start + 4, out.size() - f.start);
        break;
    }
  }
  return out;
}

}  // namespace podwall::test
