#pragma once
// The compiler as the hot reloader uses it: a full compile that keeps what later changes
// need, and updates that patch the previous tables when a change is small enough.
//
// compile() is compile_policy() plus retained state: the cluster index, the CIDR classes, the
// groups and their allow rows. update() takes the cluster after a change and the change itself
// (ClusterDelta, object by object) and, where the change leaves the classes as they were,
// copies the previous tables and rewrites only what the change touches:
//   - a pod whose labels or ports changed moves to an identity (an existing one, or a new one
//     whose pod class its namespace already has, with a new group if no pod had its policies);
//     its address slots point there;
//   - pods added or removed (a few per change) get or lose address slots;
//   - a policy whose rules changed (same namespace, podSelector and policyTypes, peers that cut
//     no new class) rebuilds the allow entries and filters of the groups it belongs to.
// Anything else compiles in full. Either way the verdicts and explanations are those a full
// compile of `cluster` gives.
//
// Thread: the control thread; never a worker. Not thread-safe.

#include <cstdint>
#include <memory>

#include "control/model.h"
#include "dataplane/policy/tables.h"

namespace podwall {

class CompilerState;

class PolicyCompiler {
 public:
  PolicyCompiler();
  ~PolicyCompiler();
  PolicyCompiler(const PolicyCompiler&) = delete;
  PolicyCompiler& operator=(const PolicyCompiler&) = delete;

  // A full compile. Throws std::length_error as compile_policy() does; the retained state is
  // then dropped, so the next update() compiles in full.
  std::unique_ptr<PolicyTables> compile(const Cluster& cluster);

  // `cluster` is the cluster of the last successful compile() or update() with `delta`
  // applied; `previous` the tables that call returned (alive and unchanged). Throws what
  // compile() throws.
  std::unique_ptr<PolicyTables> update(const Cluster& cluster, const ClusterDelta& delta,
                                       const PolicyTables& previous);

  // How the last successful call built its tables, and why it did not patch (for logs and
  // benchmarks; "" when it patched).
  bool last_was_patch() const { return last_was_patch_; }
  const char* last_full_reason() const { return last_full_reason_; }

 private:
  std::unique_ptr<PolicyTables> patch(const Cluster& cluster, const ClusterDelta& delta,
                                      const PolicyTables& previous);

  std::unique_ptr<CompilerState> state_;
  bool last_was_patch_ = false;
  const char* last_full_reason_ = "first compile";
};

}  // namespace podwall
