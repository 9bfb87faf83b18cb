#pragma once
// The first half of PolicyCompiler::update(): deciding whether a change can be patched, and
// planning the patch. Nothing here modifies the retained state or the tables, so a change
// that needs a full compile is found before anything has been touched.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "control/compiler/cluster_index.h"
#include "control/compiler/compiler_state.h"
#include "control/model.h"
#include "dataplane/policy/tables.h"

namespace podwall {

// A pod that changed or arrived, placed before anything is modified.
struct PodPlacement {
  uint32_t pod = kNoId;       // its position in the changed cluster
  uint32_t identity = kNoId;  // kNoId: a new one, from `record`
  std::string key;
  IdentityRecord record;
  uint32_t pod_class = kNoId;
};

// Everything a patch will do, worked out against the state of the last compile.
struct PatchPlan {
  std::vector<uint32_t> edited;        // policies whose rules changed
  std::vector<PodPlacement> moves;     // pods whose labels or ports changed
  std::vector<PodPlacement> arriving;  // pods added
  std::vector<uint32_t> leaving;       // pods removed: their old positions
  std::vector<uint32_t> new_groups;    // groups made for new identities (filled when applied)
  // Pod addresses the change adds, less those it removes. (The counts wrap below zero for
  // departures; the sums are what matter.)
  size_t v4_change = 0;
  size_t v6_change = 0;
};

// Why `delta` cannot be patched onto the state of the last compile whatever it holds (the
// kind and size of the change, a cluster that does not line up); nullptr when it may be.
// Call before pointing the state at `cluster`.
const char* unpatchable_change(const Cluster& cluster, const ClusterDelta& delta,
                               const CompilerState& state);

// Plans the patch of `previous` (the tables of the last compile) to `cluster`, with the state
// already pointed at `cluster`. Returns nullptr with `plan` filled, or why only a full compile
// will do.
const char* plan_patch(const Cluster& cluster, const ClusterDelta& delta,
                       const CompilerState& state, const PolicyTables& previous, PatchPlan& plan);

}  // namespace podwall
