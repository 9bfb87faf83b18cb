#pragma once
// Internal to the compiler (policy_compiler, patch_plan, patch_apply): what a full compile
// leaves behind for the patches after it.

#include <cstddef>

#include "control/compiler/cidr_classes.h"
#include "control/compiler/cluster_index.h"
#include "control/compiler/rule_builder.h"
#include "control/model.h"

namespace podwall {

// What a full compile leaves behind for the patches after it.
class CompilerState {
 public:
  explicit CompilerState(const Cluster& cluster) : index(cluster), rules(index, cidrs) {}
  ClusterIndex index;
  CidrClasses cidrs;
  RuleBuilder rules;
  // Sizes the last full compile made, against which patches' garbage is measured.
  size_t compiled_filter_words = 0;
  size_t compiled_rule_refs = 0;
  // Pod addresses in the tables now.
  size_t live_v4 = 0;
  size_t live_v6 = 0;
};

}  // namespace podwall
