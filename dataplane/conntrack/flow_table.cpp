#include "dataplane/conntrack/flow_table.h"

#include <algorithm>

namespace podwall {

namespace {

// At least twice as many index slots as entries keeps linear probes short.
uint64_t index_slots(uint32_t capacity) {
  uint64_t slots = 16;
  while (slots < uint64_t(capacity) * 2) slots <<= 1;
  return slots;
}

}  // namespace

FlowTable::FlowTable(uint32_t capacity, const FlowTimeouts& timeouts, uint64_t seed)
    : capacity_(std::clamp(capacity, 1u, kMaxCapacity)),
      mask_(index_slots(capacity_) - 1),
      hash_(seed),
      timeouts_(timeouts),
      entries_(capacity_),
      index_(mask_ + 1),
      free_(capacity_) {
  // Hand out low ids first, so a lightly used table stays in few cache lines.
  for (uint32_t i = 0; i < capacity_; ++i) free_[i] = capacity_ - 1 - i;
  free_count_ = capacity_;
}

FlowEntry* FlowTable::find(const FlowKey& key, uint64_t bits, uint64_t now_ns) noexcept {
  for (uint64_t pos = bits & mask_;; pos = (pos + 1) & mask_) {
    uint64_t slot = index_[pos];
    if (slot == 0) return nullptr;
    if (slot >> 32 != bits) continue;
    uint32_t id = uint32_t(slot) - 1;
    FlowEntry& entry = entries_[id];
    if (!(entry.key == key)) continue;
    if (now_ns >= entry.expires_ns) {
      remove_slot(pos);
      release(id);
      ++expired_total_;
      return nullptr;
    }
    return &entry;
  }
}

FlowEntry* FlowTable::insert(const FlowKey& key, uint64_t bits) noexcept {
  if (free_count_ == 0) return nullptr;
  uint32_t id = free_[--free_count_];
  uint64_t pos = bits & mask_;
  while (index_[pos] != 0) pos = (pos + 1) & mask_;
  index_[pos] = bits << 32 | (uint64_t(id) + 1);
  ++size_;
  FlowEntry& entry = entries_[id];
  entry = FlowEntry{};
  entry.key = key;
  entry.state = FlowState::unreplied;  // live until start_flow() sets the real state
  return &entry;
}

void FlowTable::erase(FlowEntry& entry) noexcept {
  uint32_t id = uint32_t(&entry - entries_.data());
  uint64_t want = uint64_t(id) + 1;
  for (uint64_t pos = hash_bits(entry.key) & mask_;; pos = (pos + 1) & mask_) {
    // The entry is live, so its slot is on this probe chain before the first empty slot.
    if ((index_[pos] & 0xffffffffu) == want) {
      remove_slot(pos);
      release(id);
      return;
    }
  }
}

uint32_t FlowTable::expire(uint64_t now_ns, uint32_t max_entries) noexcept {
  uint32_t removed = 0;
  for (uint32_t n = std::min(max_entries, capacity_); n > 0; --n) {
    FlowEntry& entry = entries_[sweep_cursor_];
    sweep_cursor_ = sweep_cursor_ + 1 == capacity_ ? 0 : sweep_cursor_ + 1;
    if (entry.state != FlowState::free && now_ns >= entry.expires_ns) {
      erase(entry);
      ++removed;
    }
  }
  expired_total_ += removed;
  return removed;
}

// Backward-shift deletion: pull later members of the probe run into the hole as long as that
// does not move one before its home slot.
void FlowTable::remove_slot(uint64_t hole) noexcept {
  for (uint64_t pos = (hole + 1) & mask_;; pos = (pos + 1) & mask_) {
    uint64_t slot = index_[pos];
    if (slot == 0) break;
    uint64_t home = slot_home(slot);
    // Stays put if its home lies cyclically in (hole, pos].
    bool stays = hole <= pos ? (hole < home && home <= pos) : (hole < home || home <= pos);
    if (stays) continue;
    index_[hole] = slot;
    hole = pos;
  }
  index_[hole] = 0;
}

void FlowTable::release(uint32_t id) noexcept {
  entries_[id].state = FlowState::free;
  free_[free_count_++] = id;
  --size_;
}

}  // namespace podwall
