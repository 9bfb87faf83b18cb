#include "control/compiler/compiler.h"

#include "control/compiler/policy_compiler.h"

namespace podwall {

std::unique_ptr<PolicyTables> compile_policy(const Cluster& cluster) {
  return PolicyCompiler().compile(cluster);
}

}  // namespace podwall
