#include "dataplane/runtime/mac_table.h"

#include <bit>

namespace podwall {

MacTable::MacTable(uint32_t entries, uint64_t ageing_ticks) : ageing_ticks_(ageing_ticks) {
  uint32_t size = std::bit_ceil(entries < kWays ? kWays : entries);
  buckets_.resize(size / kWays);
  bucket_mask_ = size / kWays - 1;
}

const MacTable::Bucket& MacTable::bucket(uint64_t mac) const noexcept {
  // Multiplicative hashing: the high bits of the product mix every byte of the address,
  // vendor prefix included, so MACs of one vendor do not pile into one bucket.
  uint64_t h = (mac * 0x9e3779b97f4a7c15ull) >> 20;
  return buckets_[h & bucket_mask_];
}

void MacTable::learn(uint64_t mac, uint16_t port, uint64_t now) noexcept {
  // An unlearnt station is flooded to; one learnt under a truncated port would be sent out of
  // the wrong port.
  if (mac_is_group(mac) || port > kMaxPort) return;
  Entry* b = const_cast<Bucket&>(bucket(mac)).way;
  const uint64_t key = mac | kValid;
  const uint64_t station = key | uint64_t(port) << kPortShift;
  Entry* victim = &b[0];
  for (unsigned i = 0; i < kWays; ++i) {
    if (identity(b[i].station) == key) {
      // Station moves (a pod's veth re-plugged elsewhere) are followed at once.
      b[i].station = station;
      b[i].last_seen = now;
      return;
    }
    if (!alive(b[i], now)) {
      victim = &b[i];
    } else if (alive(*victim, now) && b[i].last_seen < victim->last_seen) {
      victim = &b[i];
    }
  }
  victim->station = station;
  victim->last_seen = now;
}

uint16_t MacTable::lookup(uint64_t mac, uint64_t now) const noexcept {
  const Entry* b = bucket(mac).way;
  const uint64_t key = mac | kValid;
  for (unsigned i = 0; i < kWays; ++i) {
    if (identity(b[i].station) == key) return alive(b[i], now) ? port_of(b[i].station) : kNoPort;
  }
  return kNoPort;
}

uint32_t MacTable::count(uint64_t now) const noexcept {
  uint32_t n = 0;
  for (const Bucket& b : buckets_) {
    for (const Entry& e : b.way) n += alive(e, now);
  }
  return n;
}

}  // namespace podwall
