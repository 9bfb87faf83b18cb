#pragma once
// The packed, immutable policy tables: what the compiler (control/compiler) produces and what
// classify() and explain() read. Plain memory, no DPDK, no pointers into other objects, so one
// object can be handed to the workers with a single atomic pointer store.
//
// Lookup chain for a new connection src -> dst (proto, port):
//   1. describe each address: an exact-match table maps a pod address to its endpoint
//      (identity, namespace, CIDR class); any other address gets its CIDR class from a sorted
//      interval array, and no identity.
//   2. egress: if src is a pod whose identity is isolated for egress, its egress group must allow
//      dst; ingress: if dst is a pod isolated for ingress, its ingress group must allow src.
//   3. "group allows peer on (proto, port)": probe the allow map with (group, kind, value) for
//      each way the peer can be named -- any peer, any pod, its namespace, its identity, its
//      endpoint, its CIDR class -- and test the port set of each hit.
// So a verdict costs two address lookups and at most six probes per direction, whatever the
// number of policies.

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/policy/classify.h"
#include "dataplane/policy/ip_address.h"

namespace podwall {

inline constexpr uint32_t kNoId = 0xffffffffu;

enum class Direction : uint8_t { ingress = 0, egress = 1 };

// How an allow-map key names the peer.
enum class PeerKind : uint8_t {
  any_peer = 0,   // value 0: every address, pod or not (a rule without from/to)
  any_pod = 1,    // value 0: every pod of the cluster (namespaceSelector {} alone)
  namespace_ = 2, // value: namespace id (namespaceSelector alone)
  identity = 3,   // value: identity id (podSelector, or both selectors)
  endpoint = 4,   // value: endpoint id (egress named ports over an ipBlock, resolved per pod)
  cidr = 5,       // value: CIDR class id (ipBlock)
};
inline constexpr int kPeerKinds = 6;

struct PortRange {
  uint8_t ip_proto;
  uint16_t first;
  uint16_t last;  // inclusive
};

// A union of port ranges, or every port of every protocol (rules without `ports`).
struct PortSet {
  uint32_t first_range;
  uint16_t range_count;
  bool all_protocols;
};

struct Endpoint {
  uint32_t identity;
  uint32_t namespace_id;
  uint32_t cidr_class;
  uint32_t pod;  // index into pod_names
};

struct IdentityInfo {
  uint32_t group[2];  // per Direction; kNoId = not isolated in that direction
  uint32_t namespace_id;
};

// The policies that select an identity for one direction: kept for explanations.
struct PolicyGroup {
  uint32_t first_policy;  // into group_policies
  uint32_t policy_count;
};

struct RuleRef {
  uint32_t policy;
  Direction direction;
  uint32_t rule;  // index in the policy's ingress or egress list
};

// Why an allow-map entry exists: one rule and the ports that rule grants this peer.
struct Provenance {
  uint32_t rule_ref;  // into rule_refs
  uint32_t port_set;  // into port_sets
};

struct AllowSlot {
  uint64_t key;  // 0 = empty
  uint32_t port_set;
  uint32_t first_provenance;
  uint32_t provenance_count;
};

struct V4Slot {
  uint32_t address;   // host order
  uint32_t endpoint;  // kNoId = empty
};

struct V6Slot {
  uint8_t address[16];
  uint32_t endpoint;  // kNoId = empty
};

// Sizes the compiler reports and `podwallctl check` prints.
struct TableStats {
  size_t namespaces = 0;
  size_t pods = 0;
  size_t endpoints = 0;
  size_t policies = 0;
  size_t identities = 0;
  size_t groups = 0;
  size_t ip_sets = 0;  // distinct selector-derived and CIDR peer sets
  size_t cidr_classes = 0;
  size_t allow_entries = 0;
  size_t bytes = 0;
};

class PolicyTables {
 public:
  // Set once by the publisher before the tables become visible to workers; never after.
  uint64_t generation = 0;

  // --- hot: read per new connection ---
  std::vector<V4Slot> v4_endpoints;  // open addressing, power-of-two size
  std::vector<V6Slot> v6_endpoints;
  std::vector<uint32_t> v4_interval_starts;  // sorted; [0] == 0
  std::vector<uint32_t> v4_interval_class;
  std::vector<uint64_t> v6_interval_starts;  // (high64, low64) pairs, sorted
  std::vector<uint32_t> v6_interval_class;
  std::vector<Endpoint> endpoints;
  std::vector<IdentityInfo> identities;
  std::vector<AllowSlot> allow_map;  // open addressing, power-of-two size
  std::vector<PortSet> port_sets;
  std::vector<PortRange> port_ranges;

  // --- cold: explanations and tooling ---
  std::vector<PolicyGroup> groups;
  std::vector<uint32_t> group_policies;
  std::vector<RuleRef> rule_refs;
  std::vector<Provenance> provenance;
  std::vector<std::string> pod_names;     // "namespace/name"
  std::vector<std::string> policy_names;  // "namespace/name"
  std::vector<std::string> namespace_names;
  TableStats stats;

  static uint64_t allow_key(uint32_t group, PeerKind kind, uint32_t value) {
    return (uint64_t(group) + 1) << 35 | uint64_t(kind) << 32 | value;
  }
  size_t bytes() const;
};

// How each address of a flow is seen by the tables.
struct AddressInfo {
  uint32_t endpoint = kNoId;
  uint32_t identity = kNoId;
  uint32_t namespace_id = kNoId;
  uint32_t cidr_class = kNoId;
};

AddressInfo describe_address(const PolicyTables& tables, const IpAddress& address) noexcept;

// Does `group` (an isolating group of one direction) admit `peer` on (ip_proto, port)? The
// building block of classify(); exposed for explanations and tests.
bool group_admits(const PolicyTables& tables, uint32_t group, const AddressInfo& peer,
                  uint8_t ip_proto, uint16_t port) noexcept;

}  // namespace podwall
