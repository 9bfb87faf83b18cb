#pragma once
// The packed, immutable policy tables: what the compiler (control/compiler) produces and what
// classify() and explain() read. Plain memory, no DPDK, no pointers into other objects, so one
// object can be handed to the workers with a single atomic pointer store.
//
// Lookup chain for a new connection src -> dst (proto, port):
//   1. describe each address: an exact-match table maps a pod address to a 16-byte slot (its
//      endpoint, identity and CIDR class), and the identity to the rest (isolation groups and
//      where their filters lie, namespace, namespace class, pod class); any other address only
//      gets its CIDR class, from a sorted interval array. Slots that small keep the address
//      table a few MiB for 100,000 pods, mostly in the last-level cache. The identity array has
//      thousands of entries, not one per pod, but under a stream of new flows it still misses
//      L2 about as often as not, so a batch requests identities in a round of their own.
//   2. egress: if src is a pod isolated for egress, its egress group must admit dst; ingress: if
//      dst is a pod isolated for ingress, its ingress group must admit src.
//   3. "group admits peer on (proto, port)": for each way a rule of the group names peers (the
//      group's kind mask says which occur), form the key (group, kind, the peer's value for that
//      kind); the group's membership filter rules out most keys that are not in the allow map,
//      and the rest are probed there, testing the port set of a hit.
// A verdict costs two address lookups, a filter word per candidate key, and a probe per key the
// filter lets through -- at most one per peer kind the group uses -- whatever the number of
// policies. The filters are small (about two bytes per allow entry) and stay in cache, so a
// peer that a group does not admit (every probe of a denied flow) rarely costs a miss in the
// allow map, which is far larger than the cache.
//
// Peers are named by classes rather than by pods so that broad selectors stay small: a
// namespace class groups namespaces that every namespaceSelector treats alike; a pod class
// groups pods whose labels agree on every key a peer podSelector looks at.

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/policy/classify.h"
#include "dataplane/policy/huge_page_allocator.h"
#include "dataplane/policy/ip_address.h"

namespace podwall {

inline constexpr uint32_t kNoId = 0xffffffffu;

enum class Direction : uint8_t { ingress = 0, egress = 1 };

// How an allow-map key names the peer, and the value it carries.
enum class PeerKind : uint8_t {
  any_peer = 0,       // 0: every address, pod or not (a rule without from/to)
  any_pod = 1,        // 0: every pod of the cluster
  namespace_ = 2,     // namespace id: every pod of one namespace
  ns_class = 3,       // namespace class: every pod of the namespaces of a class
  pod_class = 4,      // pod class: pods of that class in any namespace
  namespace_pod = 5,  // pair(namespace id, pod class)
  ns_class_pod = 6,   // pair(namespace class, pod class)
  identity = 7,       // identity: egress named ports, resolved per destination pod
  endpoint = 8,       // endpoint: egress named ports over an ipBlock, resolved per address
  cidr = 9,           // CIDR class (ipBlock)
};
inline constexpr int kPeerKinds = 10;
inline constexpr unsigned kValueBits = 36;
inline constexpr unsigned kPairBits = 18;  // each half of a pair value
inline constexpr uint64_t kMaxGroups = (uint64_t(1) << 24) - 1;

inline uint64_t pair_value(uint32_t high, uint32_t low) {
  return uint64_t(high) << kPairBits | low;
}

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

// Everything classify() needs about one address, assembled by describe_address() from the
// address slot and the identity.
struct EndpointInfo {
  uint32_t endpoint;  // kNoId for an address that is not a pod's
  uint32_t identity;
  uint32_t group[2];  // per Direction; kNoId = not isolated in that direction
  uint32_t namespace_id;
  uint32_t ns_class;
  uint32_t pod_class;
  uint32_t cidr_class;
};

// Per isolating group: the peer kinds its allow-map keys use, and where its membership filter
// lies. The filter is a blocked Bloom filter: a key sets two bits of one 64-bit word, both
// chosen by the key's allow-map hash (hashing.h), so testing a key reads one word.
struct GroupProbe {
  uint32_t filter_first;  // into allow_filter
  uint32_t filter_mask;   // word count - 1; the count is a power of two
  uint16_t kinds;         // bit k set if some key of the group uses PeerKind k
};

// What the pods of one identity share. Read per verdict, after the address slot.
struct IdentityInfo {
  uint32_t group[2];  // per Direction; kNoId = not isolated in that direction
  uint32_t namespace_id;
  uint32_t ns_class;
  uint32_t pod_class;
  // group_probes[group[d]], copied here (zero where not isolated): with thousands of groups the
  // probe record is a cache miss of its own, and it could only be requested once the identity
  // had arrived. The compiler keeps the copies in step (copy_probes_to_identities()).
  GroupProbe probe[2];
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

// One allow-map entry, 16 bytes so four share a cache line. Most entries grant one port range,
// kept inline so that a hit costs no second memory access.
enum class SlotPorts : uint8_t {
  range = 0,          // ip_proto, first..last inline
  port_set = 1,       // port_set indexes port_sets
  all_protocols = 2,  // every port of every protocol
};

struct AllowSlot {
  uint64_t key;  // 0 = empty
  union {
    struct {
      uint16_t first;
      uint16_t last;
    } range;
    uint32_t port_set;
  };
  uint8_t ip_proto;
  SlotPorts ports;
  uint16_t reserved;
};
static_assert(sizeof(AllowSlot) == 16);

// Why an allow-map slot exists (cold, parallel to allow_map).
struct SlotProvenance {
  uint32_t first;  // into provenance
  uint32_t count;
};

// One pod address. Four share a cache line and none straddles two.
struct V4Slot {
  uint32_t address;   // host order
  uint32_t endpoint;  // kNoId: empty slot
  uint32_t identity;
  uint32_t cidr_class;
};
static_assert(sizeof(V4Slot) == 16);

struct V6Slot {
  uint8_t address[16];
  uint32_t endpoint;  // kNoId: empty slot
  uint32_t identity;
  uint32_t cidr_class;
  uint32_t reserved;
};
static_assert(sizeof(V6Slot) == 32);

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
  size_t namespace_classes = 0;
  size_t pod_classes = 0;
  size_t allow_entries = 0;
  size_t bytes = 0;
};

class PolicyTables {
 public:
  // Set once by the publisher before the tables become visible to workers; never after.
  uint64_t generation = 0;

  // --- hot: read per new connection ---
  // The arrays a verdict hits at random: on huge pages (huge_page_allocator.h).
  HugePageVector<V4Slot> v4_endpoints;  // open addressing, power-of-two size
  HugePageVector<V6Slot> v6_endpoints;
  std::vector<IdentityInfo> identities;
  std::vector<uint32_t> v4_interval_starts;  // sorted; [0] == 0
  std::vector<uint32_t> v4_interval_class;
  std::vector<uint64_t> v6_interval_starts;  // (high64, low64) pairs, sorted
  std::vector<uint32_t> v6_interval_class;
  std::vector<GroupProbe> group_probes;  // per group
  std::vector<uint64_t> allow_filter;    // the groups' membership filters, back to back
  HugePageVector<AllowSlot> allow_map;   // open addressing, power-of-two size
  std::vector<PortSet> port_sets;
  std::vector<PortRange> port_ranges;

  // --- cold: explanations and tooling ---
  std::vector<EndpointInfo> endpoints;
  std::vector<uint32_t> endpoint_pod;  // per endpoint: index into pod_names
  std::vector<PolicyGroup> groups;
  std::vector<uint32_t> group_policies;
  std::vector<RuleRef> rule_refs;
  std::vector<SlotProvenance> slot_provenance;  // per allow_map slot
  std::vector<Provenance> provenance;
  std::vector<std::string> pod_names;     // "namespace/name"
  std::vector<std::string> policy_names;  // "namespace/name"
  std::vector<std::string> namespace_names;
  TableStats stats;

  static uint64_t allow_key(uint32_t group, PeerKind kind, uint64_t value) {
    return (uint64_t(group) + 1) << 40 | uint64_t(kind) << kValueBits | value;
  }
  size_t bytes() const;
};

// How each address of a flow is seen by the tables: the pod's slot, or for any other address
// only its CIDR class.
using AddressInfo = EndpointInfo;

AddressInfo describe_address(const PolicyTables& tables, const IpAddress& address) noexcept;

// Every allow-map key under which `group` could admit `peer`, skipping kinds the group does
// not use. Returns how many keys were written.
int peer_keys(const PolicyTables& tables, uint32_t group, const AddressInfo& peer,
              uint64_t keys[kPeerKinds]) noexcept;
const AllowSlot* find_allow_slot(const PolicyTables& tables, uint64_t key) noexcept;
bool slot_admits(const PolicyTables& tables, const AllowSlot& slot, uint8_t ip_proto,
                 uint16_t port) noexcept;
bool port_set_admits(const PolicyTables& tables, const PortSet& set, uint8_t ip_proto,
                     uint16_t port) noexcept;

// Does `group` (an isolating group of one direction) admit `peer` on (ip_proto, port)? The
// building block of classify(); exposed for explanations and tests.
bool group_admits(const PolicyTables& tables, uint32_t group, const AddressInfo& peer,
                  uint8_t ip_proto, uint16_t port) noexcept;

}  // namespace podwall
