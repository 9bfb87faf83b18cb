#pragma once
// The learning bridge's forwarding database: source MAC -> port, with ageing.
//
// One table per worker, so no sharing and no locks. Fixed size, allocated once at construction
// (control thread); learn() and lookup() never allocate and cost one bucket (one cache
// line). Set-associative: a MAC hashes to a bucket of kWays entries; learning into a full
// bucket replaces the entry seen longest ago, so a flood of random source MACs can only evict
// entries, never grow the table. Plain C++, no DPDK: time is a tick count the caller injects
// (the worker passes the TSC), so tests can drive ageing with a fake clock.

#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace podwall {

inline constexpr uint16_t kNoPort = 0xffff;

// A MAC address packed into the low 48 bits, first byte on the wire most significant.
inline uint64_t mac_key(const uint8_t* bytes) {
  return uint64_t(bytes[0]) << 40 | uint64_t(bytes[1]) << 32 | uint64_t(bytes[2]) << 24 |
         uint64_t(bytes[3]) << 16 | uint64_t(bytes[4]) << 8 | uint64_t(bytes[5]);
}

// mac_key() of the address at `at` in one 8-byte load, for addresses with two more readable
// bytes behind them: in a whole Ethernet header, the destination and the source (followed by
// the ethertype). Per frame, the bytewise form costs some thirty instructions for the two.
inline uint64_t mac_key_wide(const uint8_t* at) {
  uint64_t word;
  std::memcpy(&word, at, sizeof word);
  static_assert(std::endian::native == std::endian::little);
  return __builtin_bswap64(word) >> 16;
}

// Group bit: broadcast and multicast destinations, never a valid source.
inline bool mac_is_group(uint64_t key) {
  return (key >> 40) & 1;
}

class MacTable {
 public:
  static constexpr unsigned kWays = 4;
  // The largest port an entry can hold: the port shares a word with the MAC and the valid bit
  // (15 bits), so that an entry stays 16 bytes. plan_port() refuses larger port ids at set-up.
  static constexpr uint16_t kMaxPort = 0x7fff;

  // `entries` is rounded up to a power of two (at least kWays). An entry not refreshed for
  // `ageing_ticks` is forgotten.
  MacTable(uint32_t entries, uint64_t ageing_ticks);

  // Worker only. Records that `mac` was seen as a source on `port` at `now`. Group addresses
  // are ignored, and so is a port above kMaxPort (it would be stored as another port).
  void learn(uint64_t mac, uint16_t port, uint64_t now) noexcept;

  // Worker only. The port `mac` was last learnt on, or kNoPort if unknown or aged out.
  uint16_t lookup(uint64_t mac, uint64_t now) const noexcept;

  // A hint: starts loading the bucket of `mac`, so that a worker can warm the buckets of a
  // whole burst before it learns and looks up any of them.
  void prefetch(uint64_t mac) const noexcept { __builtin_prefetch(&bucket(mac)); }

  // Live entries at `now`. Walks the whole table: for statistics, not per packet.
  uint32_t count(uint64_t now) const noexcept;
  uint32_t capacity() const { return uint32_t(buckets_.size() * kWays); }

 private:
  // A station and when it was last seen: 16 bytes, so that a bucket is one cache line.
  struct Entry {
    uint64_t station = 0;    // kValid | port << kPortShift | MAC; 0 = empty
    uint64_t last_seen = 0;  // ticks
  };
  struct alignas(64) Bucket {
    Entry way[kWays];
  };
  static_assert(sizeof(Bucket) == 64);
  static constexpr uint64_t kValid = 1ull << 63;
  static constexpr unsigned kPortShift = 48;
  static constexpr uint64_t kMacBits = (1ull << kPortShift) - 1;
  static constexpr uint64_t kPortMask = kMaxPort;

  static uint64_t identity(uint64_t station) { return station & (kValid | kMacBits); }
  static uint16_t port_of(uint64_t station) {
    return uint16_t((station >> kPortShift) & kPortMask);
  }
  const Bucket& bucket(uint64_t mac) const noexcept {
    // Multiplicative hashing: the high bits of the product mix every byte of the address,
    // vendor prefix included, so MACs of one vendor do not pile into one bucket.
    uint64_t h = (mac * 0x9e3779b97f4a7c15ull) >> 20;
    return buckets_[h & bucket_mask_];
  }
  // Bit i set when way i holds the station `key` (kValid | MAC). At most one bit is set.
  static unsigned match_ways(const Entry* way, uint64_t key) noexcept {
    unsigned hits = 0;
    for (unsigned i = 0; i < kWays; ++i) hits |= unsigned(identity(way[i].station) == key) << i;
    return hits;
  }
  bool alive(const Entry& e, uint64_t now) const noexcept {
    return (e.station & kValid) && now - e.last_seen < ageing_ticks_;
  }

  std::vector<Bucket> buckets_;
  uint64_t bucket_mask_ = 0;
  uint64_t ageing_ticks_ = 0;
};

}  // namespace podwall
