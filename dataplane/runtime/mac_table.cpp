#include "dataplane/runtime/mac_table.h"

#include <bit>

namespace podwall {

MacTable::MacTable(uint32_t entries, uint64_t ageing_ticks) : ageing_ticks_(ageing_ticks) {
  uint32_t size = std::bit_ceil(entries < kWays ? kWays : entries);
  buckets_.resize(size / kWays);
  bucket_mask_ = size / kWays - 1;
}

void MacTable::learn(uint64_t mac, uint16_t port, uint64_t now) noexcept {
  // An unlearnt station is flooded to; one learnt under a truncated port would be sent out of
  // the wrong port.
  if (mac_is_group(mac) || port > kMaxPort) return;
  Entry* b = const_cast<Bucket&>(bucket(mac)).way;
  const uint64_t key = mac | kValid;
  const uint64_t station = key | uint64_t(port) << kPortShift;
  // The common case -- a station already learnt -- tests every way without a branch per way:
  // which way holds it is as good as random, and a mispredicted branch costs more than the
  // three compares it skips.
  if (unsigned hits = match_ways(b, key)) {
    Entry& e = b[std::countr_zero(hits)];
    // Station moves (a pod's veth re-plugged elsewhere) are followed at once.
    e.station = station;
    e.last_seen = now;
    return;
  }
  Entry* victim = &b[0];
  for (unsigned i = 0; i < kWays; ++i) {
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
  unsigned hits = match_ways(b, mac | kValid);
  if (hits == 0) return kNoPort;
  const Entry& e = b[std::countr_zero(hits)];
  return alive(e, now) ? port_of(e.station) : kNoPort;
}

uint32_t MacTable::count(uint64_t now) const noexcept {
  uint32_t n = 0;
  for (const Bucket& b : buckets_) {
    for (const Entry& e : b.way) n += alive(e, now);
  }
  return n;
}

}  // namespace podwall
