#pragma once
// Stage 5 of the compiler: lays the builder's output out as immutable PolicyTables.

#include <memory>

#include "control/compiler/cidr_classes.h"
#include "control/compiler/cluster_index.h"
#include "control/compiler/rule_builder.h"
#include "dataplane/policy/tables.h"

namespace podwall {

std::unique_ptr<PolicyTables> pack_tables(const ClusterIndex& index, const CidrClasses& cidrs,
                                          RuleBuilder& rules);

}  // namespace podwall
