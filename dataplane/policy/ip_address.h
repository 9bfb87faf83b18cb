#pragma once
// IPv4/IPv6 addresses and prefixes as plain values.
//
// Shared by the control side (manifests, compiler, CLI) and the fast path: no DPDK, no
// allocation except in to_string(). An IPv4 address keeps its four bytes at the front of
// `bytes`, the rest zero, so equality and hashing are plain byte compares.

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace podwall {

enum class IpFamily : uint8_t { v4 = 4, v6 = 6 };

struct IpAddress {
  IpFamily family = IpFamily::v4;
  std::array<uint8_t, 16> bytes{};

  static IpAddress v4(uint32_t host_order);
  static IpAddress v6(const uint8_t network_order[16]);
  // Accepts dotted quads and RFC 4291 text (with "::" and an embedded IPv4 tail). Rejects
  // leading zeros in IPv4 octets, as the Kubernetes API server does.
  static std::optional<IpAddress> parse(std::string_view text);

  bool is_v4() const { return family == IpFamily::v4; }
  unsigned bit_width() const { return is_v4() ? 32 : 128; }
  uint32_t v4_host_order() const;
  // Bit `i` counted from the most significant bit of the address.
  bool bit(unsigned i) const { return (bytes[i / 8] >> (7 - i % 8)) & 1; }
  std::string to_string() const;

  // Two 8-byte compares: the defaulted operator compiles to a call of memcmp(), which the
  // worker pays for each new flow (decide_burst() matches queries decided ahead).
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    uint64_t x[2], y[2];
    std::memcpy(x, a.bytes.data(), sizeof(x));
    std::memcpy(y, b.bytes.data(), sizeof(y));
    return a.family == b.family && ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

struct Cidr {
  IpAddress base;  // host bits are zero
  uint8_t prefix_len = 0;

  // "a.b.c.d/n" or "v6/n". Host bits must be zero unless `allow_host_bits` (the API server
  // accepts them in ipBlock and masks them; we do the same but the loader may warn).
  static std::optional<Cidr> parse(std::string_view text, bool allow_host_bits = true);

  bool contains(const IpAddress& address) const;
  bool contains(const Cidr& inner) const;
  std::string to_string() const;

  friend bool operator==(const Cidr&, const Cidr&) = default;
  friend auto operator<=>(const Cidr&, const Cidr&) = default;
};

struct IpAddressHash {
  size_t operator()(const IpAddress& a) const noexcept;
};

}  // namespace podwall
