#pragma once
// The second half of PolicyCompiler::update(): applying a PatchPlan to the retained state and
// to `t`, a private copy of the previous tables. Each step keeps the two in step with each
// other; PolicyCompiler::patch() runs them in order and decides when to fall back.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "control/compiler/compiler_state.h"
#include "control/compiler/patch_plan.h"
#include "control/compiler/rule_builder.h"
#include "dataplane/policy/tables.h"

namespace podwall {

// Pods leave (in descending old position), arrive (ascending new position), then move to
// their new identities, in the index and in `t`. Returns the identities this made.
std::vector<uint32_t> apply_pod_changes(const Cluster& cluster, PatchPlan& plan,
                                        CompilerState& state, PolicyTables& t);

// The allow rows a patch changes.
struct RowChanges {
  std::vector<uint32_t> touched;  // groups of the edited policies; sorted
  std::vector<AllowRow> fresh;    // rows of the touched groups, whole; sorted
  std::vector<AllowRow> added;    // rows naming a new identity, in groups not touched; sorted
  std::vector<uint64_t> gone;     // keys of the touched groups' rows before; sorted

  // Allow-map entries after the patch, given those before.
  size_t entries_after(size_t entries_before) const;
};

// Rebuilds the rows of the groups the edited policies belong to and of the groups made for
// new identities, and the rows naming new identities, and merges them into rules.rows in place of
// the touched groups' old rows.
RowChanges merge_rebuilt_rows(RuleBuilder& rules, const std::vector<uint32_t>& edited,
                              const std::vector<uint32_t>& new_groups,
                              const std::vector<uint32_t>& new_identities);

// Brings the allow map and the group filters of `t` in line with `changes`.
void patch_allow_map(PolicyTables& t, RuleBuilder& rules, const RowChanges& changes);

// Copies into `t` the port sets interned since it was made, and the current rule references.
void patch_ports_and_rule_refs(PolicyTables& t, const RuleBuilder& rules);

// Has `t` gathered so much garbage that a full compile should compact it?
bool too_much_garbage(const PolicyTables& t, const CompilerState& state);

// The statistics of a patched generation with `allow_entries` allow-map entries.
void set_patched_stats(PolicyTables& t, const Cluster& cluster, const CompilerState& state,
                       size_t allow_entries);

}  // namespace podwall
