#pragma once
// The learning bridge's forwarding database: source MAC -> port, with ageing.
//
// One table per worker, so no sharing and no locks. Fixed size, allocated once at construction
// (control thread); learn() and lookup() never allocate and cost one bucket (one or two cache
// lines). Set-associative: a MAC hashes to a bucket of kWays entries; learning into a full
// bucket replaces the entry seen longest ago, so a flood of random source MACs can only evict
// entries, never grow the table. Plain C++, no DPDK: time is a tick count the caller injects
// (the worker passes the TSC), so tests can drive ageing with a fake clock.

#include <cstdint>
#include <vector>

namespace podwall {

inline constexpr uint16_t kNoPort = 0xffff;

// A MAC address packed into the low 48 bits, first byte on the wire most significant.
inline uint64_t mac_key(const uint8_t* bytes) {
  return uint64_t(bytes[0]) << 40 | uint64_t(bytes[1]) << 32 | uint64_t(bytes[2]) << 24 |
         uint64_t(bytes[3]) << 16 | uint64_t(bytes[4]) << 8 | uint64_t(bytes[5]);
}

// Group bit: broadcast and multicast destinations, never a valid source.
inline bool mac_is_group(uint64_t key) {
  return (key >> 40) & 1;
}

class MacTable {
 public:
  static constexpr unsigned kWays = 4;

  // `entries` is rounded up to a power of two (at least kWays). An entry not refreshed for
  // `ageing_ticks` is forgotten.
  MacTable(uint32_t entries, uint64_t ageing_ticks);

  // Worker only. Records that `mac` was seen as a source on `port` at `now`. Group addresses
  // are ignored.
  void learn(uint64_t mac, uint16_t port, uint64_t now) noexcept;

  // Worker only. The port `mac` was last learnt on, or kNoPort if unknown or aged out.
  uint16_t lookup(uint64_t mac, uint64_t now) const noexcept;

  // Live entries at `now`. Walks the whole table: for statistics, not per packet.
  uint32_t count(uint64_t now) const noexcept;
  uint32_t capacity() const { return uint32_t(entries_.size()); }

 private:
  struct Entry {
    uint64_t mac = 0;        // key | kValid
    uint64_t last_seen = 0;  // ticks
    uint16_t port = kNoPort;
  };
  static constexpr uint64_t kValid = 1ull << 63;

  const Entry* bucket(uint64_t mac) const noexcept;
  bool alive(const Entry& e, uint64_t now) const noexcept {
    return (e.mac & kValid) && now - e.last_seen < ageing_ticks_;
  }

  std::vector<Entry> entries_;
  uint64_t bucket_mask_ = 0;
  uint64_t ageing_ticks_ = 0;
};

}  // namespace podwall
