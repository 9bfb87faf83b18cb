#pragma once
// Placeholder signature agreed between engineers; the compiler's real header replaces this.
#include <memory>
#include "control/model.h"
#include "dataplane/policy/tables.h"
namespace podwall {
std::unique_ptr<PolicyTables> compile_policy(const Cluster& cluster);
}
