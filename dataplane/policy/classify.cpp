#include "dataplane/policy/classify.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "dataplane/policy/hashing.h"
#include "dataplane/policy/tables.h"

namespace podwall {

namespace {

const V4Slot* find_v4_endpoint(const PolicyTables& t, uint32_t address) {
  if (t.v4_endpoints.empty()) return nullptr;
  size_t mask = t.v4_endpoints.size() - 1;
  for (size_t i = mix64(address) & mask;; i = (i + 1) & mask) {
    const V4Slot& slot = t.v4_endpoints[i];
    if (slot.endpoint == kNoId) return nullptr;
    if (slot.address == address) return &slot;
  }
}

const V6Slot* find_v6_endpoint(const PolicyTables& t, const uint8_t* address) {
  if (t.v6_endpoints.empty()) return nullptr;
  size_t mask = t.v6_endpoints.size() - 1;
  for (size_t i = hash_v6(address) & mask;; i = (i + 1) & mask) {
    const V6Slot& slot = t.v6_endpoints[i];
    if (slot.endpoint == kNoId) return nullptr;
    if (std::memcmp(slot.address, address, 16) == 0) return &slot;
  }
}

AddressInfo pod_address(const PolicyTables& t, uint32_t endpoint, uint32_t identity,
                        uint32_t cidr_class) {
  const IdentityInfo& id = t.identities[identity];
  return {endpoint,     identity,  {id.group[0], id.group[1]}, id.namespace_id, id.ns_class,
          id.pod_class, cidr_class};
}

uint32_t v4_cidr_class(const PolicyTables& t, uint32_t address) {
  const auto& starts = t.v4_interval_starts;
  if (starts.empty()) return kNoId;
  auto it = std::upper_bound(starts.begin(), starts.end(), address);
  return t.v4_interval_class[size_t(it - starts.begin()) - 1];
}

uint32_t v6_cidr_class(const PolicyTables& t, const uint8_t* address) {
  const auto& starts = t.v6_interval_starts;
  if (starts.empty()) return kNoId;
  uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = hi << 8 | address[i];
  for (int i = 8; i < 16; ++i) lo = lo << 8 | address[i];
  // Binary search over (hi, lo) pairs for the last start <= address.
  size_t count = starts.size() / 2, first = 0, len = count;
  while (len > 0) {
    size_t half = len / 2, mid = first + half;
    uint64_t mh = starts[2 * mid], ml = starts[2 * mid + 1];
    if (mh < hi || (mh == hi && ml <= lo)) {
      first = mid + 1;
      len -= half + 1;
    } else {
      len = half;
    }
  }
  return t.v6_interval_class[first - 1];
}

// What a pod's address slot says about it; the rest comes with its identity, requested here.
template <typename Slot>
void read_pod_slot(const PolicyTables& t, const Slot& pod, AddressInfo& info) {
  info.endpoint = pod.endpoint;
  info.identity = pod.identity;
  info.cidr_class = pod.cidr_class;
  __builtin_prefetch(&t.identities[pod.identity]);
}

// Reads an address slot: the endpoint, identity and CIDR class of a pod address, or only the
// CIDR class of any other. Requests the pod's identity.
void locate_address(const PolicyTables& t, const IpAddress& address, AddressInfo& info) {
  if (address.is_v4()) {
    if (const V4Slot* pod = find_v4_endpoint(t, address.v4_host_order())) {
      read_pod_slot(t, *pod, info);
      return;
    }
  } else if (const V6Slot* pod = find_v6_endpoint(t, address.bytes.data())) {
    read_pod_slot(t, *pod, info);
    return;
  }
  info = {kNoId, kNoId, {kNoId, kNoId}, kNoId, kNoId, kNoId, kNoId};
  info.cidr_class = address.is_v4() ? v4_cidr_class(t, address.v4_host_order())
                                    : v6_cidr_class(t, address.bytes.data());
}

// Fills in what a pod end shares with its identity; returns the identity, or null for an
// address that is not a pod's.
const IdentityInfo* complete_address(const PolicyTables& t, AddressInfo& info) {
  if (info.endpoint == kNoId) return nullptr;
  info = pod_address(t, info.endpoint, info.identity, info.cidr_class);
  return &t.identities[info.identity];
}

const AllowSlot* find_hashed_slot(const PolicyTables& t, uint64_t key, uint64_t hash) {
  size_t mask = t.allow_map.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const AllowSlot& slot = t.allow_map[i];
    if (slot.key == key) return &slot;
    if (slot.key == 0) return nullptr;
  }
}

}  // namespace

const AllowSlot* find_allow_slot(const PolicyTables& t, uint64_t key) noexcept {
  return find_hashed_slot(t, key, mix64(key));
}

bool port_set_admits(const PolicyTables& t, const PortSet& set, uint8_t proto,
                     uint16_t port) noexcept {
  if (set.all_protocols) return true;
  const PortRange* r = t.port_ranges.data() + set.first_range;
  // Ranges are few per set (merged at compile time), sorted by (proto, first).
  for (uint32_t i = 0; i < set.range_count; ++i) {
    if (r[i].ip_proto == proto && r[i].first <= port && port <= r[i].last) return true;
  }
  return false;
}

AddressInfo describe_address(const PolicyTables& t, const IpAddress& address) noexcept {
  AddressInfo info;
  locate_address(t, address, info);
  complete_address(t, info);
  return info;
}

namespace {

// peer_keys() for a group whose keys use `kinds` (GroupProbe::kinds).
int keys_of_kinds(unsigned kinds, uint32_t group, const AddressInfo& peer,
                  uint64_t keys[kPeerKinds]) {
  constexpr unsigned kAddressKinds =
      1u << unsigned(PeerKind::any_peer) | 1u << unsigned(PeerKind::cidr);
  if (peer.endpoint == kNoId) kinds &= kAddressKinds;
  if (peer.cidr_class == kNoId) kinds &= ~(1u << unsigned(PeerKind::cidr));
  static_assert(kPeerKinds == 10 && unsigned(PeerKind::cidr) == 9, "one value per kind below");
  // Every value up front and a walk over the kinds the group uses: a group uses one or two of
  // the ten, and this costs a few instructions per key instead of a test per kind.
  const uint64_t value[kPeerKinds] = {
      0,                                              // any_peer
      0,                                              // any_pod
      peer.namespace_id,                              // namespace_
      peer.ns_class,                                  // ns_class
      peer.pod_class,                                 // pod_class
      pair_value(peer.namespace_id, peer.pod_class),  // namespace_pod
      pair_value(peer.ns_class, peer.pod_class),      // ns_class_pod
      peer.identity,                                  // identity
      peer.endpoint,                                  // endpoint
      peer.cidr_class,                                // cidr
  };
  int n = 0;
  for (; kinds != 0; kinds &= kinds - 1) {
    unsigned kind = unsigned(std::countr_zero(kinds));
    keys[n++] = PolicyTables::allow_key(group, PeerKind(kind), value[kind]);
  }
  return n;
}

}  // namespace

int peer_keys(const PolicyTables& t, uint32_t group, const AddressInfo& peer,
              uint64_t keys[kPeerKinds]) noexcept {
  return keys_of_kinds(t.group_probes[group].kinds, group, peer, keys);
}

bool slot_admits(const PolicyTables& t, const AllowSlot& slot, uint8_t proto,
                 uint16_t port) noexcept {
  switch (slot.ports) {
    case SlotPorts::all_protocols:
      return true;
    case SlotPorts::range:
      return slot.ip_proto == proto && slot.range.first <= port && port <= slot.range.last;
    case SlotPorts::port_set:
      return port_set_admits(t, t.port_sets[slot.port_set], proto, port);
  }
  return false;
}

namespace {

// Issues the first cache line of every probe before walking any of them, so the misses of one
// verdict overlap instead of queueing one behind the other.
void prefetch_address(const PolicyTables& t, const IpAddress& a) {
  if (a.is_v4()) {
    if (!t.v4_endpoints.empty()) {
      __builtin_prefetch(&t.v4_endpoints[mix64(a.v4_host_order()) & (t.v4_endpoints.size() - 1)]);
    }
  } else if (!t.v6_endpoints.empty()) {
    __builtin_prefetch(&t.v6_endpoints[hash_v6(a.bytes.data()) & (t.v6_endpoints.size() - 1)]);
  }
}

// The allow-map keys under which one isolating group could admit a peer. The group admits the
// peer if one of them is in the map with a port set that takes the flow's port. Checking them
// takes two rounds of memory accesses: the group's filter words, then the slots of the keys
// the filter lets through.
struct GroupQuery {
  const uint64_t* filter;  // the group's words of allow_filter
  uint32_t filter_mask;
  int count;
  uint64_t key[kPeerKinds];
  uint64_t hash[kPeerKinds];
};

// Forms the keys and requests their filter words.
void request_filter(const PolicyTables& t, uint32_t group, const GroupProbe& probe,
                    const AddressInfo& peer, GroupQuery& q) {
  q.filter = t.allow_filter.data() + probe.filter_first;
  q.filter_mask = probe.filter_mask;
  q.count = keys_of_kinds(probe.kinds, group, peer, q.key);
  for (int i = 0; i < q.count; ++i) {
    q.hash[i] = mix64(q.key[i]);
    __builtin_prefetch(&q.filter[filter_word(q.hash[i], q.filter_mask)]);
  }
}

// Drops the keys the filter rules out and requests the slots of the rest. Returns false when
// none is left: the group cannot admit the peer.
bool screen_keys(const PolicyTables& t, GroupQuery& q) {
  const size_t mask = t.allow_map.size() - 1;
  int kept = 0;
  for (int i = 0; i < q.count; ++i) {
    uint64_t bits = filter_bits(q.hash[i]);
    if ((q.filter[filter_word(q.hash[i], q.filter_mask)] & bits) != bits) continue;
    __builtin_prefetch(&t.allow_map[q.hash[i] & mask]);
    q.key[kept] = q.key[i];
    q.hash[kept] = q.hash[i];
    ++kept;
  }
  q.count = kept;
  return kept > 0;
}

bool any_slot_admits(const PolicyTables& t, const GroupQuery& q, uint8_t proto, uint16_t port) {
  for (int i = 0; i < q.count; ++i) {
    const AllowSlot* slot = find_hashed_slot(t, q.key[i], q.hash[i]);
    if (slot && slot_admits(t, *slot, proto, port)) return true;
  }
  return false;
}

// A verdict between its rounds of memory accesses. Round one loads the two address slots;
// round two (locate_ends) reads them and requests the identities of the pod ends; round three
// (begin_verdict) reads those and requests the filter words of each isolated end; round four
// (screen_verdict) reads those and requests the allow-map slots they do not rule out; round
// five (finish_verdict) reads the slots. With thousands of identities, an identity is a miss
// of its own more often than not: a round of its own lets the misses of a batch overlap.
struct PendingVerdict {
  bool egress_isolated;   // the source is isolated for egress: `egress` must admit dst
  bool ingress_isolated;  // the destination is isolated for ingress: `ingress` must admit src
  uint8_t proto;
  uint16_t port;
  AddressInfo src;
  AddressInfo dst;
  GroupQuery egress;
  GroupQuery ingress;
};

void locate_ends(const PolicyTables& t, const FlowQuery& flow, PendingVerdict& p) noexcept {
  locate_address(t, flow.src, p.src);
  locate_address(t, flow.dst, p.dst);
}

// Returns true with `decided` set when neither end is isolated.
bool begin_verdict(const PolicyTables& t, const FlowQuery& flow, PendingVerdict& p,
                   Verdict& decided) noexcept {
  const IdentityInfo* src = complete_address(t, p.src);
  const IdentityInfo* dst = complete_address(t, p.dst);
  constexpr int kEgress = int(Direction::egress), kIngress = int(Direction::ingress);
  p.egress_isolated = p.src.group[kEgress] != kNoId;
  p.ingress_isolated = p.dst.group[kIngress] != kNoId;
  if (!p.egress_isolated && !p.ingress_isolated) {
    decided = Verdict::allow;
    return true;
  }
  // An isolated end is a pod, so its identity is there.
  if (p.egress_isolated) {
    request_filter(t, p.src.group[kEgress], src->probe[kEgress], p.dst, p.egress);
  }
  if (p.ingress_isolated) {
    request_filter(t, p.dst.group[kIngress], dst->probe[kIngress], p.src, p.ingress);
  }
  p.proto = flow.ip_proto;
  p.port = protocol_has_ports(flow.ip_proto) ? flow.dst_port : 0;
  return false;
}

// Returns true with `decided` set when an isolated end has no key left: a denial that never
// touched the allow map.
bool screen_verdict(const PolicyTables& t, PendingVerdict& p, Verdict& decided) noexcept {
  if ((p.egress_isolated && !screen_keys(t, p.egress)) ||
      (p.ingress_isolated && !screen_keys(t, p.ingress))) {
    decided = Verdict::deny;
    return true;
  }
  return false;
}

// An isolated end must admit the other.
Verdict finish_verdict(const PolicyTables& t, const PendingVerdict& p) noexcept {
  if (p.egress_isolated && !any_slot_admits(t, p.egress, p.proto, p.port)) return Verdict::deny;
  if (p.ingress_isolated && !any_slot_admits(t, p.ingress, p.proto, p.port)) return Verdict::deny;
  return Verdict::allow;
}

// classify_burst() works through a batch this many flows at a time: enough misses in flight
// to keep the memory system busy, few enough that the first slots are still in cache when
// their flow's turn comes.
constexpr uint32_t kClassifyChunk = 16;
static_assert(kClassifyChunk <= 256, "classify_burst() keeps chunk positions in bytes");

}  // namespace

bool group_admits(const PolicyTables& t, uint32_t group, const AddressInfo& peer, uint8_t proto,
                  uint16_t port) noexcept {
  if (!protocol_has_ports(proto)) port = 0;
  GroupQuery q;
  request_filter(t, group, t.group_probes[group], peer, q);
  return screen_keys(t, q) && any_slot_admits(t, q, proto, port);
}

Verdict classify(const PolicyTables& t, const FlowQuery& flow) noexcept {
  if (flow.src.family != flow.dst.family) return Verdict::deny;
  prefetch_address(t, flow.src);
  prefetch_address(t, flow.dst);
  PendingVerdict pending;
  Verdict verdict;
  locate_ends(t, flow, pending);
  if (begin_verdict(t, flow, pending, verdict)) return verdict;
  if (screen_verdict(t, pending, verdict)) return verdict;
  return finish_verdict(t, pending);
}

void classify_burst(const PolicyTables& t, const FlowQuery flows[], uint32_t count,
                    Verdict verdicts[]) noexcept {
  PendingVerdict pending[kClassifyChunk];
  // The flows of the chunk still undecided after a round, in order. Whether a round decides a
  // flow is as good as random, so the next round walks this list instead of testing every
  // flow of the chunk: a branch per flow and round mispredicted often.
  uint8_t open[kClassifyChunk];
  for (uint32_t base = 0; base < count; base += kClassifyChunk) {
    const uint32_t n = count - base < kClassifyChunk ? count - base : kClassifyChunk;
    const FlowQuery* f = flows + base;
    Verdict* out = verdicts + base;
    for (uint32_t i = 0; i < n; ++i) {
      if (f[i].src.family != f[i].dst.family) continue;
      prefetch_address(t, f[i].src);
      prefetch_address(t, f[i].dst);
    }
    uint32_t located = 0;
    for (uint32_t i = 0; i < n; ++i) {
      open[located] = uint8_t(i);
      if (f[i].src.family != f[i].dst.family) {
        out[i] = Verdict::deny;
        continue;
      }
      locate_ends(t, f[i], pending[i]);
      ++located;
    }
    uint32_t undecided = 0;
    for (uint32_t k = 0; k < located; ++k) {
      const uint32_t i = open[k];
      open[undecided] = uint8_t(i);
      undecided += !begin_verdict(t, f[i], pending[i], out[i]);
    }
    uint32_t screened = 0;
    for (uint32_t k = 0; k < undecided; ++k) {
      const uint32_t i = open[k];
      open[screened] = uint8_t(i);
      screened += !screen_verdict(t, pending[i], out[i]);
    }
    for (uint32_t k = 0; k < screened; ++k) out[open[k]] = finish_verdict(t, pending[open[k]]);
  }
}

size_t PolicyTables::bytes() const {
  auto vec = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  size_t total = sizeof(*this) + vec(v4_endpoints) + vec(v6_endpoints) + vec(v4_interval_starts) +
                 vec(v4_interval_class) + vec(v6_interval_starts) + vec(v6_interval_class) +
                 vec(endpoints) + vec(endpoint_pod) + vec(identities) + vec(group_probes) +
                 vec(allow_filter) + vec(allow_map) + vec(port_sets) + vec(port_ranges) +
                 vec(groups) + vec(group_policies) + vec(rule_refs) + vec(slot_provenance) +
                 vec(provenance);
  for (const auto* names : {&pod_names, &policy_names, &namespace_names}) {
    total += vec(*names);
    for (const auto& s : *names) total += s.capacity() > 15 ? s.capacity() : 0;
  }
  return total;
}

}  // namespace podwall
