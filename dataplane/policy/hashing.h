#pragma once
// Hash functions for the tables' open-addressing maps. The compiler and the lookups must agree,
// so both include this one header.

#include <cstddef>
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

// The allow-map filters (tables.h, GroupProbe) reuse a key's allow-map hash: the slot index
// takes bits 0-31, a group's filter word bits 32-51 and the two filter bits bits 52-63, so the
// three are independent while the map has at most 2^32 slots and a group's filter at most
// 2^20 words (past that they overlap: more false positives, never a missed key).
inline size_t filter_word(uint64_t hash, uint32_t mask) {
  return size_t(hash >> 32) & mask;
}
inline uint64_t filter_bits(uint64_t hash) {
  return uint64_t(1) << (hash >> 58) | uint64_t(1) << ((hash >> 52) & 63);
}

}  // namespace podwall
