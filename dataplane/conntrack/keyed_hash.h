#pragma once
// A seeded hash for the fixed-size keys of the flow table and the fragment tracker.
//
// Keys come from the wire, so an attacker chooses them: with a public hash they could pile every
// flow onto one probe chain. Each table therefore mixes in a secret seed (the daemon passes a
// random one; tests pass a fixed one for reproducible layouts). The mixer is a 64x64->128-bit
// multiply folded back to 64 bits: a few cycles for a 40-byte key, no tables.

#include <cstdint>

#include "dataplane/conntrack/words.h"

namespace podwall {

class KeyedHash {
 public:
  explicit KeyedHash(uint64_t seed = 0) noexcept {
    uint64_t state = seed;
    for (uint64_t& s : secret_) s = split_mix(state);
  }

  // Hashes a key of exactly five 64-bit words (40 bytes).
  uint64_t hash40(const void* key) const noexcept {
    uint64_t h = fold(load_word(key, 0) ^ secret_[0], load_word(key, 1) ^ secret_[1]);
    h ^= fold(load_word(key, 2) ^ secret_[2], load_word(key, 3) ^ secret_[3]);
    return fold(h ^ load_word(key, 4) ^ secret_[4], secret_[5]);
  }

 private:
  static uint64_t fold(uint64_t a, uint64_t b) noexcept {
    unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
    return uint64_t(product) ^ uint64_t(product >> 64);
  }
  // Spreads one seed into independent-looking secrets; the multiplier must never be zero.
  static uint64_t split_mix(uint64_t& state) noexcept {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (z ^ (z >> 31)) | 1;
  }

  uint64_t secret_[6];
};

}  // namespace podwall
