#pragma once
// The policy compiler: a Cluster (validated Kubernetes objects) in, packed PolicyTables out.
//
// Stages, each in a file of its own:
//   1. index      (cluster_index)  namespaces get ids; pods with the same namespace, labels and
//                                  named ports share an identity; each pod address becomes an
//                                  endpoint. Namespaces meeting the same namespaceSelectors share
//                                  a namespace class; pods agreeing on every label key a peer
//                                  podSelector reads share a pod class. Selectors resolve to
//                                  sets of these, memoised by their canonical form.
//   2. ip sets    (cidr_classes)   every ipBlock prefix (cidr and except) cuts the address space
//                                  into intervals; intervals inside the same set of ipBlocks
//                                  share a CIDR class.
//   3. groups     (rule_builder)   identities selected by the same policies (per direction, plus
//                                  the named ports ingress rules resolve against) share a group.
//   4. allow rows (rule_builder)   each rule of each group's policies becomes rows
//                                  (group, peer kind, peer value) -> ports, with the rule that
//                                  produced it; a peer entry is named by whichever kind (namespace,
//                                  namespace class, pod class, pairs of them) takes fewest rows.
//   5. pack       (table_packer)   rows with the same key merge into one port set; hash tables
//                                  and interval arrays are laid out; the result is immutable.
//
// The lookup a packet then takes is described in dataplane/policy/tables.h. The hot reloader
// compiles through PolicyCompiler (policy_compiler.h), which keeps these stages' state and
// patches the previous tables for small changes.
//
// Thread: any thread but a worker's; allocates freely; never touches published tables.
// Throws std::length_error when the cluster exceeds the table format's limits (2^24 groups,
// 2^18 namespaces, namespace classes or pod classes); callers keep their last good tables.

#include <memory>

#include "control/model.h"
#include "dataplane/policy/tables.h"

namespace podwall {

std::unique_ptr<PolicyTables> compile_policy(const Cluster& cluster);

}  // namespace podwall
