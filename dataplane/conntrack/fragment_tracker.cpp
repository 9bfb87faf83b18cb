#include "dataplane/conntrack/fragment_tracker.h"

#include <algorithm>

namespace podwall {

namespace {

// Records bytes [start, end) of the datagram. `last` is the fragment without MF, which fixes
// the datagram's length. Any byte seen twice, or a length that contradicts an earlier one, is
// an overlap.
DropReason add_piece(Datagram& d, uint32_t start, uint32_t end, bool last) {
  if (last) {
    if (d.end != 0 && d.end != end) return DropReason::overlapping_fragment;
    for (unsigned i = 0; i < d.piece_count; ++i) {
      if (d.pieces[i].end > end) return DropReason::overlapping_fragment;
    }
  } else if (d.end != 0 && end >= d.end) {
    return DropReason::overlapping_fragment;
  }
  int left = -1;
  int right = -1;
  for (unsigned i = 0; i < d.piece_count; ++i) {
    const Datagram::Piece& p = d.pieces[i];
    if (start < p.end && p.start < end) return DropReason::overlapping_fragment;
    if (p.end == start) left = int(i);
    if (p.start == end) right = int(i);
  }
  if (left >= 0 && right >= 0) {
    d.pieces[left].end = d.pieces[right].end;
    d.pieces[right] = d.pieces[--d.piece_count];
  } else if (left >= 0) {
    d.pieces[left].end = uint16_t(end);
  } else if (right >= 0) {
    d.pieces[right].start = uint16_t(start);
  } else if (d.piece_count == Datagram::kMaxPieces) {
    return DropReason::too_many_fragment_holes;
  } else {
    d.pieces[d.piece_count++] = Datagram::Piece{uint16_t(start), uint16_t(end)};
  }
  if (last) d.end = uint16_t(end);
  return DropReason::none;
}

bool complete(const Datagram& d) {
  return d.end != 0 && d.piece_count == 1 && d.pieces[0].start == 0 && d.pieces[0].end == d.end;
}

}  // namespace

FragmentKey make_fragment_key(const ParsedPacket& packet) noexcept {
  FragmentKey key;
  key.src = packet.tuple.src.bytes;
  key.dst = packet.tuple.dst.bytes;
  key.id = packet.frag.id;
  key.proto = packet.frag.key_proto;
  key.family = packet.l3 == L3Kind::ipv4 ? 4 : 6;
  return key;
}

namespace {

uint32_t bucket_count(uint32_t capacity) {
  uint32_t buckets = 1;
  while (uint64_t(buckets) * FragmentTracker::kWays < std::max(capacity, 1u) &&
         buckets < (1u << 26)) {
    buckets <<= 1;
  }
  return buckets;
}

}  // namespace

FragmentTracker::FragmentTracker(uint32_t capacity, uint64_t timeout_ns, uint64_t seed)
    : capacity_(bucket_count(capacity) * kWays),
      bucket_mask_(bucket_count(capacity) - 1),
      timeout_ns_(timeout_ns),
      hash_(seed),
      slots_(capacity_) {}

Datagram* FragmentTracker::bucket_of(const FragmentKey& key) noexcept {
  uint32_t bucket = uint32_t(hash_.hash40(&key) >> 32) & bucket_mask_;
  return &slots_[size_t(bucket) * kWays];
}

Datagram* FragmentTracker::find(const FragmentKey& key, uint64_t now_ns) noexcept {
  Datagram* bucket = bucket_of(key);
  for (unsigned i = 0; i < kWays; ++i) {
    Datagram& d = bucket[i];
    if (d.state == DatagramState::free || !(d.key == key)) continue;
    if (now_ns >= d.expires_ns) {
      release(d);
      return nullptr;
    }
    return &d;
  }
  return nullptr;
}

Datagram* FragmentTracker::insert(const FragmentKey& key, uint64_t now_ns) noexcept {
  Datagram* bucket = bucket_of(key);
  for (unsigned i = 0; i < kWays; ++i) {
    Datagram& d = bucket[i];
    if (d.state != DatagramState::free && now_ns >= d.expires_ns) release(d);
    if (d.state != DatagramState::free) continue;
    d = Datagram{};
    d.key = key;
    d.expires_ns = now_ns + timeout_ns_;
    d.state = DatagramState::judging;
    ++size_;
    return &d;
  }
  return nullptr;
}

void FragmentTracker::release(Datagram& d) noexcept {
  d.state = DatagramState::free;
  --size_;
}

DropReason FragmentTracker::begin_first(const FragmentKey& key, const FragmentInfo& frag,
                                        const FlowKey& flow, uint64_t now_ns,
                                        Datagram*& datagram) noexcept {
  Datagram* d = find(key, now_ns);
  if (d == nullptr) {
    d = insert(key, now_ns);
    if (d == nullptr) return DropReason::fragment_table_full;
  }
  if (d->state == DatagramState::poisoned) return DropReason::fragment_of_poisoned_datagram;
  if (d->first_length != 0) {
    if (d->first_length != frag.length || !(d->flow == flow)) {
      d->state = DatagramState::poisoned;
      return DropReason::overlapping_fragment;
    }
    datagram = d;  // a duplicate: the caller reuses the remembered verdict
    return DropReason::none;
  }
  // Later fragments are never recorded before the first, so this can only clash with an
  // impossible geometry; still checked, never assumed.
  DropReason bad = add_piece(*d, 0, frag.length, !frag.more);
  if (bad != DropReason::none) {
    d->state = DatagramState::poisoned;
    return bad;
  }
  d->first_length = frag.length;
  d->state = DatagramState::judging;
  datagram = d;
  return DropReason::none;
}

void FragmentTracker::record_verdict(Datagram& d, bool allowed, const FlowKey& flow,
                                     uint64_t generation) noexcept {
  d.state = allowed ? DatagramState::allowed : DatagramState::denied;
  d.flow = flow;
  d.generation = generation;
}

DropReason FragmentTracker::admit_later(const FragmentKey& key, const FragmentInfo& frag,
                                        uint64_t now_ns) noexcept {
  Datagram* d = find(key, now_ns);
  if (d == nullptr) return DropReason::orphan_fragment;
  switch (d->state) {
    case DatagramState::poisoned:
      return DropReason::fragment_of_poisoned_datagram;
    case DatagramState::denied:
      return DropReason::fragment_of_denied_datagram;
    case DatagramState::allowed:
      break;
    default:
      return DropReason::orphan_fragment;  // not reached: judging ends within one packet
  }
  DropReason bad = add_piece(*d, frag.offset, uint32_t(frag.offset) + frag.length, !frag.more);
  if (bad != DropReason::none) {
    d->state = DatagramState::poisoned;
    return bad;
  }
  if (complete(*d)) release(*d);
  return DropReason::none;
}

uint32_t FragmentTracker::expire(uint64_t now_ns, uint32_t max_slots) noexcept {
  uint32_t removed = 0;
  for (uint32_t n = std::min(max_slots, capacity_); n > 0; --n) {
    Datagram& d = slots_[sweep_cursor_];
    sweep_cursor_ = sweep_cursor_ + 1 == capacity_ ? 0 : sweep_cursor_ + 1;
    if (d.state != DatagramState::free && now_ns >= d.expires_ns) {
      release(d);
      ++removed;
    }
  }
  return removed;
}

}  // namespace podwall
