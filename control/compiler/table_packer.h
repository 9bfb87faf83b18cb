#pragma once
// Stage 5 of the compiler: lays the builder's output out as immutable PolicyTables.

#include <algorithm>
#include <bit>
#include <memory>
#include <vector>

#include "control/compiler/cidr_classes.h"
#include "control/compiler/cluster_index.h"
#include "control/compiler/rule_builder.h"
#include "dataplane/policy/tables.h"

namespace podwall {

std::unique_ptr<PolicyTables> pack_tables(const ClusterIndex& index, const CidrClasses& cidrs,
                                          RuleBuilder& rules);

// Open-addressing tables stay at most half full so that a miss ends within a probe or two.
inline size_t table_size_for(size_t entries) {
  return std::bit_ceil(std::max<size_t>(entries * 2, 8));
}

// Bits of filter per allow-map key: with two bits set per key in one word, about 1.5% of the
// keys a group does not have pass its filter.
inline constexpr size_t kFilterBitsPerKey = 16;

// Refreshes every IdentityInfo::probe from group_probes: after packing, and after a patch has
// changed the groups' filters.
void copy_probes_to_identities(PolicyTables& t);

// Sorts rows by key (then rule and port set) and drops exact duplicates.
void sort_rows(std::vector<AllowRow>& rows);

// The allow-map slot for rows [first, last), which share one key: their port sets merged.
// Appends the rows to t.provenance and says where in `why`. `scratch` is reused storage.
AllowSlot pack_allow_slot(RuleBuilder& rules, const AllowRow* first, const AllowRow* last,
                          PortSpec& scratch, PolicyTables& t, SlotProvenance& why);

}  // namespace podwall
