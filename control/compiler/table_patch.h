#pragma once
// Edits of a private copy of PolicyTables, for PolicyCompiler::update(): allow-map entries
// taken out and put in, group filters rebuilt or extended. The tables being edited are never
// the published ones.

#include <cstdint>
#include <vector>

#include "dataplane/policy/tables.h"

namespace podwall {

// Removes `key` from the allow map (it must be there), keeping every other key findable: the
// entries after it in its probe run move back (deletion without tombstones).
void erase_allow_key(PolicyTables& t, uint64_t key);

// Adds a slot for a key not in the map. The caller keeps the map under its load limit.
void insert_allow_slot(PolicyTables& t, const AllowSlot& slot, const SlotProvenance& why);

// Rebuilds the filter and kind mask of `group` from all of its keys (sorted or not). The
// filter keeps its place when it is big enough, else moves to the end of allow_filter.
void rebuild_group_filter(PolicyTables& t, uint32_t group, const std::vector<uint64_t>& keys);

// Adds one key to its group's filter and kind mask.
void add_to_group_filter(PolicyTables& t, uint64_t key);

// Address slots: point the slot of `address` (endpoint `endpoint`) at another identity; add
// one; take one out (deletion without tombstones, as for the allow map).
void set_address_identity(PolicyTables& t, const IpAddress& address, uint32_t endpoint,
                          uint32_t identity);
void insert_address(PolicyTables& t, const IpAddress& address, uint32_t endpoint, uint32_t identity,
                    uint32_t cidr_class);
void erase_address(PolicyTables& t, const IpAddress& address);

// How many entries the allow map may hold before a patch must give way to a full compile.
inline size_t allow_map_capacity(const PolicyTables& t) {
  return t.allow_map.size() / 4 * 3;
}

}  // namespace podwall
