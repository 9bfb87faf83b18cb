#include "control/compiler/table_patch.h"

#include <bit>
#include <cstddef>

#include "control/compiler/table_packer.h"
#include "dataplane/policy/hashing.h"

namespace podwall {
namespace {

uint32_t group_of(uint64_t key) {
  return uint32_t((key >> 40) - 1);
}

uint16_t kind_bit(uint64_t key) {
  return uint16_t(1u << ((key >> kValueBits) & 0xf));
}

}  // namespace

void erase_allow_key(PolicyTables& t, uint64_t key) {
  const size_t mask = t.allow_map.size() - 1;
  size_t hole = mix64(key) & mask;
  while (t.allow_map[hole].key != key) hole = (hole + 1) & mask;
  // Linear probing: an entry may move back into the hole only if its home is not in
  // (hole, j], cyclically; otherwise a lookup starting at its home would stop at the hole.
  for (size_t j = (hole + 1) & mask; t.allow_map[j].key != 0; j = (j + 1) & mask) {
    size_t home = mix64(t.allow_map[j].key) & mask;
    bool reachable = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (reachable) continue;
    t.allow_map[hole] = t.allow_map[j];
    t.slot_provenance[hole] = t.slot_provenance[j];
    hole = j;
  }
  t.allow_map[hole] = AllowSlot{};
  t.slot_provenance[hole] = SlotProvenance{0, 0};
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
