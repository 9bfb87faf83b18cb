#pragma once
// The per-worker flow table: fixed capacity, all memory allocated at construction, no locks
// (each worker owns its table; the daemon gives both directions of a flow to the same worker).
//
// Layout: a pool of 64-byte entries plus an open-addressing index (linear probing, at most half
// full) of 8-byte slots, each holding 32 bits of the key's hash and the entry's position. A
// lookup touches one or two index cache lines and the one entry whose hash bits match. Removal
// shifts later slots back (no tombstones), so probe chains never rot under churn.
//
// Expiry is lazy (a lookup that finds a dead entry removes it) plus a bounded incremental sweep
// the worker runs once per poll loop, so idle flows leave without a timer per flow.

#include <cstdint>
#include "dataplane/conntrack/flow_entry.h"
#include "dataplane/conntrack/flow_state.h"
#include "dataplane/conntrack/keyed_hash.h"
#include "dataplane/conntrack/large_array.h"

namespace podwall {

// A flow key with the table's hash of it, computed once per packet: the burst pass that warms
// the table hashes every key, and the lookup and insert that follow reuse it.
struct HashedFlowKey {
  FlowKey key;
  uint64_t hash = 0;       // FlowTable::hash_of(key)
  bool src_is_lo = false;  // from make_flow_key()
};

class FlowTable {
 public:
  static constexpr uint32_t kDefaultCapacity = 1u << 20;
  static constexpr uint32_t kMaxCapacity = 1u << 30;

  // Allocates and touches all memory (about 80 bytes per entry): call at worker setup, not on
  // the fast path. `capacity` is clamped to [1, kMaxCapacity]. Pass a random `seed` in
  // production so that remote peers cannot aim flows at one probe chain.
  explicit FlowTable(uint32_t capacity = kDefaultCapacity, const FlowTimeouts& timeouts = {},
                     uint64_t seed = 0);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // All below: owning worker only; never allocate, never block.

  // The live entry for `key`, or nullptr. An entry found expired is removed on the way.
  FlowEntry* find(const FlowKey& key, uint64_t now_ns) noexcept {
    return find(key, hash_bits(key), now_ns);
  }
  // The same with the key's hash_of() already known.
  FlowEntry* find(const FlowKey& key, uint64_t hash, uint64_t now_ns) noexcept;

  // Warming a burst. A lookup costs two dependent cache misses (index slot, then entry) once
  // the table outgrows the cache; one frame at a time they serialise. A worker that hashes a
  // whole burst, warms every index slot, then every entry, and only then calls find() pays
  // for the misses of a burst once, overlapped. Both calls are hints: they change nothing.
  uint64_t hash_of(const FlowKey& key) const noexcept { return hash_bits(key); }
  void prefetch_slot(uint64_t hash) const noexcept { __builtin_prefetch(&index_[hash & mask_]); }
  // Reads the home slot (warmed by prefetch_slot) and warms the entry it names when the hash
  // bits match; a collision or a longer probe just leaves find() a miss to take. What the home
  // slot held tells the caller how likely the key is to be in the table.
  enum class Home : uint8_t {
    empty,       // the key is certainly not in the table
    same_hash,   // most likely the key's own entry (live or expired)
    other_hash,  // another key's: the key is in the table only further along the probe chain
  };
  Home prefetch_entry(uint64_t hash) const noexcept {
    uint64_t slot = index_[hash & mask_];
    if (slot == 0) return Home::empty;
    if (slot >> 32 != hash) return Home::other_hash;
    __builtin_prefetch(&entries_[uint32_t(slot) - 1]);
    return Home::same_hash;
  }
  // A new entry for `key`, which the caller just failed to find; start_flow() fills it in.
  // nullptr when the table is full: the caller drops the packet (conntrack_full).
  FlowEntry* insert(const FlowKey& key) noexcept { return insert(key, hash_bits(key)); }
  FlowEntry* insert(const FlowKey& key, uint64_t hash) noexcept;
  void erase(FlowEntry& entry) noexcept;
  // Looks at up to `max_entries` entries (resuming where the last call stopped) and removes the
  // expired ones. Returns how many it removed.
  uint32_t expire(uint64_t now_ns, uint32_t max_entries) noexcept;

  // For listing, not per packet: calls visit(entry) for each live entry among the next
  // `max_entries` of the pool from `cursor` on, and advances `cursor`; it reaches capacity()
  // once the whole pool has been walked. Changes nothing. Entries keep their place while they
  // live, so a walk spread over many calls meets each of those once; one that arrives or
  // leaves meanwhile may or may not be met: a listing of a running table, not a snapshot.
  template <typename Visit>
  void walk(uint32_t& cursor, uint32_t max_entries, uint64_t now_ns, Visit&& visit) const {
    const uint32_t end = capacity_ - cursor < max_entries ? capacity_ : cursor + max_entries;
    for (; cursor < end; ++cursor) {
      const FlowEntry& entry = entries_[cursor];
      if (entry.state != FlowState::free && now_ns < entry.expires_ns) visit(entry);
    }
  }

  uint32_t size() const { return size_; }
  uint32_t capacity() const { return capacity_; }
  bool full() const { return size_ == capacity_; }
  uint64_t expired_total() const { return expired_total_; }
  const FlowTimeouts& timeouts() const { return timeouts_; }

 private:
  uint64_t slot_home(uint64_t slot) const { return (slot >> 32) & mask_; }
  uint64_t hash_bits(const FlowKey& key) const { return hash_.hash40(&key) >> 32; }
  void remove_slot(uint64_t position) noexcept;
  void release(uint32_t id) noexcept;

  uint32_t capacity_;
  uint32_t size_ = 0;
  uint64_t mask_;  // index size - 1
  KeyedHash hash_;
  FlowTimeouts timeouts_;
  LargeArray<FlowEntry> entries_;
  LargeArray<uint64_t> index_;  // 0 = empty; else hash bits << 32 | (entry id + 1)
  LargeArray<uint32_t> free_;   // stack of free entry ids
  uint32_t free_count_;
  uint32_t sweep_cursor_ = 0;
  uint64_t expired_total_ = 0;
};

}  // namespace podwall
