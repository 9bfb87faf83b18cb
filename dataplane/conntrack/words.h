#pragma once
// Keys read and written as native 64-bit words: the flow key's compare and build, the keyed hash.
//
// Each word is its own 8-byte memcpy, which the compiler turns into one plain load or store at
// any alignment. The obvious alternative, one memcpy of the whole key into a word array, is not
// equivalent in practice: GCC compiled it as a copy of the key through the stack followed by
// reloads, on every probe of the flow table.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace podwall {

// Word `i` of the bytes at `base`, i.e. the 8 bytes from `base + 8 * i`, in native byte order.
inline uint64_t load_word(const void* base, std::size_t i) noexcept {
  uint64_t w;
  std::memcpy(&w, static_cast<const unsigned char*>(base) + 8 * i, sizeof w);
  return w;
}

// Writes `w` as word `i` of the bytes at `base`.
inline void store_word(void* base, std::size_t i, uint64_t w) noexcept {
  std::memcpy(static_cast<unsigned char*>(base) + 8 * i, &w, sizeof w);
}

}  // namespace podwall
