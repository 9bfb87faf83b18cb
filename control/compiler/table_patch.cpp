#include "control/compiler/table_patch.h"

#include <bit>
#include <cstddef>
#include <cstring>

#include "control/compiler/table_packer.h"
#include "dataplane/policy/hashing.h"

namespace podwall {
namespace {

uint32_t group_of(uint64_t key) {
  return uint32_t((key >> 40) - 1);
}

// What the compiler fills empty slots with (table_packer.cpp).
constexpr V4Slot kEmptyV4{0, kNoId, kNoId, kNoId};
constexpr V6Slot kEmptyV6{{}, kNoId, kNoId, kNoId, 0};

uint16_t kind_bit(uint64_t key) {
  return uint16_t(1u << ((key >> kValueBits) & 0xf));
}

// Backward-shift deletion in a linear-probing table: entries after the hole move back unless
// their home lies cyclically in (hole, j], where a lookup would stop at the hole.
template <class Slot, class Home>
void erase_slot(std::vector<Slot, HugePageAllocator<Slot>>& table, size_t hole, Home home_of,
                const Slot& empty, std::vector<SlotProvenance>* parallel) {
  const size_t mask = table.size() - 1;
  auto is_empty = [&](const Slot& s) { return std::memcmp(&s, &empty, sizeof(Slot)) == 0; };
  for (size_t j = (hole + 1) & mask; !is_empty(table[j]); j = (j + 1) & mask) {
    size_t home = home_of(table[j]) & mask;
    bool reachable = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (reachable) continue;
    table[hole] = table[j];
    if (parallel) (*parallel)[hole] = (*parallel)[j];
    hole = j;
  }
  table[hole] = empty;
  if (parallel) (*parallel)[hole] = SlotProvenance{0, 0};
}

template <class Table, class Match>
size_t find_slot(const Table& table, size_t home, Match match) {
  const size_t mask = table.size() - 1;
  size_t i = home & mask;
  while (!match(table[i])) i = (i + 1) & mask;
  return i;
}

}  // namespace

void set_address_identity(PolicyTables& t, const IpAddress& address, uint32_t endpoint,
                          uint32_t identity) {
  if (address.is_v4()) {
    size_t i = find_slot(t.v4_endpoints, mix64(address.v4_host_order()),
                         [&](const V4Slot& s) { return s.endpoint == endpoint; });
    t.v4_endpoints[i].identity = identity;
  } else {
    size_t i = find_slot(t.v6_endpoints, hash_v6(address.bytes.data()),
                         [&](const V6Slot& s) { return s.endpoint == endpoint; });
    t.v6_endpoints[i].identity = identity;
  }
}

void insert_address(PolicyTables& t, const IpAddress& address, uint32_t endpoint, uint32_t identity,
                    uint32_t cidr_class) {
  if (address.is_v4()) {
    uint32_t a = address.v4_host_order();
    size_t i =
        find_slot(t.v4_endpoints, mix64(a), [](const V4Slot& s) { return s.endpoint == kNoId; });
    t.v4_endpoints[i] = {a, endpoint, identity, cidr_class};
  } else {
    size_t i = find_slot(t.v6_endpoints, hash_v6(address.bytes.data()),
                         [](const V6Slot& s) { return s.endpoint == kNoId; });
    V6Slot& slot = t.v6_endpoints[i];
    std::memcpy(slot.address, address.bytes.data(), 16);
    slot.endpoint = endpoint;
    slot.identity = identity;
    slot.cidr_class = cidr_class;
  }
}

void erase_address(PolicyTables& t, const IpAddress& address) {
  if (address.is_v4()) {
    uint32_t a = address.v4_host_order();
    size_t i = find_slot(t.v4_endpoints, mix64(a),
                         [&](const V4Slot& s) { return s.endpoint != kNoId && s.address == a; });
    erase_slot(
        t.v4_endpoints, i, [](const V4Slot& s) { return mix64(s.address); }, kEmptyV4, nullptr);
  } else {
    size_t i = find_slot(t.v6_endpoints, hash_v6(address.bytes.data()), [&](const V6Slot& s) {
      return s.endpoint != kNoId && std::memcmp(s.address, address.bytes.data(), 16) == 0;
    });
    erase_slot(
        t.v6_endpoints, i, [](const V6Slot& s) { return hash_v6(s.address); }, kEmptyV6, nullptr);
  }
}

void erase_allow_key(PolicyTables& t, uint64_t key) {
  size_t i = find_slot(t.allow_map, mix64(key), [&](const AllowSlot& s) { return s.key == key; });
  erase_slot(
      t.allow_map, i, [](const AllowSlot& s) { return mix64(s.key); }, AllowSlot{},
      &t.slot_provenance);
}

void insert_allow_slot(PolicyTables& t, const AllowSlot& slot, const SlotProvenance& why) {
  const size_t mask = t.allow_map.size() - 1;
  size_t i = mix64(slot.key) & mask;
  while (t.allow_map[i].key != 0) i = (i + 1) & mask;
  t.allow_map[i] = slot;
  t.slot_provenance[i] = why;
}

void rebuild_group_filter(PolicyTables& t, uint32_t group, const std::vector<uint64_t>& keys) {
  GroupProbe& probe = t.group_probes[group];
  size_t words = std::bit_ceil(std::max<size_t>(keys.size() * kFilterBitsPerKey / 64, 1));
  if (words > size_t(probe.filter_mask) + 1) {
    probe.filter_first = uint32_t(t.allow_filter.size());
    probe.filter_mask = uint32_t(words - 1);
    t.allow_filter.resize(t.allow_filter.size() + words, 0);
  }
  std::fill_n(t.allow_filter.begin() + probe.filter_first, size_t(probe.filter_mask) + 1, 0);
  probe.kinds = 0;
  for (uint64_t key : keys) add_to_group_filter(t, key);
}

void add_to_group_filter(PolicyTables& t, uint64_t key) {
  GroupProbe& probe = t.group_probes[group_of(key)];
  uint64_t hash = mix64(key);
  t.allow_filter[probe.filter_first + filter_word(hash, probe.filter_mask)] |= filter_bits(hash);
  probe.kinds |= kind_bit(key);
}

}  // namespace podwall
