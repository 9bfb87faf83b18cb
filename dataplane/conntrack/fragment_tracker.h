#pragma once
// Fragments never bypass policy. podwall does not reassemble; it tracks datagrams by fragment id:
//
//  - The first fragment (offset 0) carries the L4 header and is judged like any packet
//    (conntrack, then policy). Its verdict is remembered for the datagram, keyed by
//    (src, dst, id) plus the protocol for IPv4, for `timeout_ns` from the first fragment.
//  - A non-first fragment passes only if its datagram's first fragment was seen and allowed.
//    One that arrives before its first fragment is dropped (orphan_fragment): holding it back
//    would need buffering, and every modern stack sends fragments in order.
//  - Fragments may not overlap anything already seen of their datagram (RFC 5722 for IPv6; the
//    classic IPv4 overlap attacks rewrite the L4 header after the filter looked). An overlap
//    drops the fragment and poisons the datagram: every later fragment of it is dropped too. A
//    first fragment seen twice with the same length and the same flow (addresses, protocol,
//    ports) is a harmless duplicate and gets the same verdict; with another length or another
//    flow it is an overlap: it would pass unjudged, and a receiver that keeps the newer copy
//    would deliver a flow the policy never saw.
//  - Once the last fragment is in and the covered bytes have no holes, the datagram is
//    forgotten early.
//
// Fixed capacity, allocated at construction, 8-way set-associative buckets: a new datagram
// whose bucket is full of live datagrams is dropped (fragment_table_full).

#include <array>
#include <cstdint>

#include "dataplane/conntrack/flow_key.h"
#include "dataplane/conntrack/keyed_hash.h"
#include "dataplane/conntrack/large_array.h"
#include "dataplane/packet/drop_reason.h"
#include "dataplane/packet/parsed_packet.h"

namespace podwall {

struct FragmentKey {
  std::array<uint8_t, 16> src{};
  std::array<uint8_t, 16> dst{};
  uint32_t id = 0;
  uint8_t proto = 0;  // IPv4 only; 0 for IPv6
  uint8_t family = 0;
  uint16_t reserved = 0;

  friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};
static_assert(sizeof(FragmentKey) == 40);

FragmentKey make_fragment_key(const ParsedPacket& packet) noexcept;

enum class DatagramState : uint8_t { free = 0, judging, allowed, denied, poisoned };

struct Datagram {
  static constexpr unsigned kMaxPieces = 8;
  struct Piece {
    uint16_t start;
    uint16_t end;  // exclusive
  };

  FragmentKey key;
  // The flow the first fragment belonged to, and the tables generation that judged it: after a
  // policy change, later fragments pass only while that flow does.
  FlowKey flow;
  uint64_t generation = 0;
  uint64_t expires_ns = 0;
  uint16_t first_length = 0;  // bytes in the first fragment; 0 until seen
  uint16_t end = 0;           // datagram length once the last fragment is seen; 0 before
  DatagramState state = DatagramState::free;
  uint8_t piece_count = 0;
  Piece pieces[kMaxPieces] = {};  // disjoint byte ranges seen, adjacent ones merged
};

class FragmentTracker {
 public:
  static constexpr uint32_t kDefaultCapacity = 16384;
  static constexpr uint64_t kDefaultTimeoutNs = 30'000'000'000ull;  // as Linux ipfrag_time
  static constexpr unsigned kWays = 8;

  // Allocates everything; call at worker setup. Capacity is rounded up to whole buckets.
  explicit FragmentTracker(uint32_t capacity = kDefaultCapacity,
                           uint64_t timeout_ns = kDefaultTimeoutNs, uint64_t seed = 0);
  FragmentTracker(const FragmentTracker&) = delete;
  FragmentTracker& operator=(const FragmentTracker&) = delete;

  // All below: owning worker only; never allocate, never block.

  // A first fragment of the flow `flow` arrives. Returns a drop reason (fragment_table_full,
  // overlapping_fragment, fragment_of_poisoned_datagram), or none with `datagram` set. If
  // datagram->state is then `judging`, judge the packet and report with record_verdict(); if it
  // is allowed/denied, this is a duplicate of a first fragment already judged: reuse that
  // verdict.
  DropReason begin_first(const FragmentKey& key, const FragmentInfo& frag, const FlowKey& flow,
                         uint64_t now_ns, Datagram*& datagram) noexcept;
  void record_verdict(Datagram& datagram, bool allowed, const FlowKey& flow,
                      uint64_t generation) noexcept;
  // A datagram whose flow a policy change has cut: its remaining fragments are dropped.
  void revoke(Datagram& datagram) noexcept { datagram.state = DatagramState::denied; }

  // The live datagram `key` names, or nullptr.
  Datagram* lookup(const FragmentKey& key, uint64_t now_ns) noexcept { return find(key, now_ns); }

  // A non-first fragment arrives: none if it may pass, else why not.
  DropReason admit_later(const FragmentKey& key, const FragmentInfo& frag,
                         uint64_t now_ns) noexcept;

  // Frees up to `max_slots` expired datagrams' slots (resuming where the last call stopped).
  uint32_t expire(uint64_t now_ns, uint32_t max_slots) noexcept;

  uint32_t size() const { return size_; }
  uint32_t capacity() const { return capacity_; }

 private:
  Datagram* find(const FragmentKey& key, uint64_t now_ns) noexcept;
  Datagram* insert(const FragmentKey& key, uint64_t now_ns) noexcept;
  void release(Datagram& datagram) noexcept;
  Datagram* bucket_of(const FragmentKey& key) noexcept;

  uint32_t capacity_;
  uint32_t bucket_mask_;
  uint32_t size_ = 0;
  uint64_t timeout_ns_;
  KeyedHash hash_;
  LargeArray<Datagram> slots_;
  uint32_t sweep_cursor_ = 0;
};

}  // namespace podwall
