#pragma once
// The plain, obviously-correct reading of DESIGN.md's NetworkPolicy semantics that the property
// test holds the compiler to. It works on the manifests as written (RawCluster), walks every
// policy for every flow, and shares no code with the loader or the compiler: no shortcuts, no
// caches, no indexes. Slow on purpose.

#include "dataplane/policy/classify.h"
#include "tests/unit/policy/random_cluster.h"

namespace podwall::testing {

Verdict reference_verdict(const RawCluster& cluster, const FlowQuery& flow);

}  // namespace podwall::testing
