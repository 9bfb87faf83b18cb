#include "ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace podwall {

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  a.family = IpFamily::v4;
  a.bytes[0] = host_order >> 24;
  a.bytes[1] = host_order >> 16;
  a.bytes[2] = host_order >> 8;
  a.bytes[3] = host_order;
  return a;
}

IpAddress IpAddress::v6(const uint8_t network_order[16]) {
  IpAddress a;
  a.family = IpFamily::v6;
  std::memcpy(a.bytes.data(), network_order, 16);
  return a;
}

uint32_t IpAddress::v4_host_order() const {
  return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];
}

static bool has_leading_zero_octet(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    if (end - start > 1 && text[start] == '0') return true;
    start = end + 1;
  }
  return false;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (text.find(':') == std::string_view::npos) {
    if (has_leading_zero_octet(text)) return std::nullopt;
    in_addr v4{};
    if (inet_pton(AF_INET, buf, &v4) != 1) return std::nullopt;
    a.family = IpFamily::v4;
    std::memcpy(a.bytes.data(), &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  a.family = IpFamily::v6;
  std::memcpy(a.bytes.data(), &v6, 16);
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text, bool allow_host_bits) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto base = IpAddress::parse(text.substr(0, slash));
  if (!base) return std::nullopt;
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3) return std::nullopt;
  if (len_text.size() > 1 && len_text[0] == '0') return std::nullopt;
  unsigned len = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') return std::nullopt;
    len = len * 10 + unsigned(c - '0');
  }
  if (len > base->bit_width()) return std::nullopt;
  Cidr cidr;
  cidr.base = *base;
  cidr.prefix_len = uint8_t(len);
  bool host_bits = false;
  for (unsigned i = len; i < base->bit_width(); ++i) {
    if (cidr.base.bit(i)) {
      host_bits = true;
      cidr.base.bytes[i / 8] &= uint8_t(~(0x80u >> (i % 8)));
    }
  }
  if (host_bits && !allow_host_bits) return std::nullopt;
  return cidr;
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.family != base.family) return false;
  unsigned full = prefix_len / 8;
  if (std::memcmp(address.bytes.data(), base.bytes.data(), full) != 0) return false;
  unsigned rest = prefix_len % 8;
  if (rest == 0) return true;
  uint8_t mask = uint8_t(0xff00u >> rest);
  return (address.bytes[full] & mask) == base.bytes[full];
}

bool Cidr::contains(const Cidr& inner) const {
  return inner.base.family == base.family && inner.prefix_len >= prefix_len && contains(inner.base);
}

std::string Cidr::to_string() const {
  return base.to_string() + "/" + std::to_string(prefix_len);
}

size_t IpAddressHash::operator()(const IpAddress& a) const noexcept {
  uint64_t lo, hi;
  std::memcpy(&lo, a.bytes.data(), 8);
  std::memcpy(&hi, a.bytes.data() + 8, 8);
  uint64_t h = (lo ^ (hi * 0x9e3779b97f4a7c15ull) ^ uint64_t(a.family)) * 0xff51afd7ed558ccdull;
  return size_t(h ^ (h >> 29));
}

}  // namespace podwall
