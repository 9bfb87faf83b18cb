#pragma once
// Hash functions for the tables' open-addressing maps. The compiler and the lookups must agree,
// so both include this one header.

#include <cstdint>
#include <cstring>

namespace podwall {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

inline uint64_t hash_v6(const uint8_t address[16]) {
  uint64_t hi, lo;
  std::memcpy(&hi, address, 8);
  std::memcpy(&lo, address + 8, 8);
  return mix64(hi ^ mix64(lo));
}

}  // namespace podwall
