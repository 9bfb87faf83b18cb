#include "dataplane/policy/classify.h"

#include <algorithm>
#include <cstring>

#include "dataplane/policy/hashing.h"
#include "dataplane/policy/tables.h"

namespace podwall {

namespace {

const EndpointInfo* find_v4_endpoint(const PolicyTables& t, uint32_t address) {
  if (t.v4_endpoints.empty()) return nullptr;
  size_t mask = t.v4_endpoints.size() - 1;
  for (size_t i = mix64(address) & mask;; i = (i + 1) & mask) {
    const V4Slot& slot = t.v4_endpoints[i];
    if (slot.info.endpoint == kNoId) return nullptr;
    if (slot.address == address) return &slot.info;
  }
}

const EndpointInfo* find_v6_endpoint(const PolicyTables& t, const uint8_t* address) {
  if (t.v6_endpoints.empty()) return nullptr;
  size_t mask = t.v6_endpoints.size() - 1;
  for (size_t i = hash_v6(address) & mask;; i = (i + 1) & mask) {
    const V6Slot& slot = t.v6_endpoints[i];
    if (slot.info.endpoint == kNoId) return nullptr;
    if (std::memcmp(slot.address, address, 16) == 0) return &slot.info;
  }
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

}  // namespace

const AllowSlot* find_allow_slot(const PolicyTables& t, uint64_t key) noexcept {
  size_t mask = t.allow_map.size() - 1;
  for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
    const AllowSlot& slot = t.allow_map[i];
    if (slot.key == key) return &slot;
    if (slot.key == 0) return nullptr;
  }
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
  const EndpointInfo* pod = address.is_v4() ? find_v4_endpoint(t, address.v4_host_order())
                                            : find_v6_endpoint(t, address.bytes.data());
  if (pod) return *pod;
  AddressInfo info{kNoId, kNoId, {kNoId, kNoId}, kNoId, kNoId, kNoId, kNoId};
  info.cidr_class = address.is_v4() ? v4_cidr_class(t, address.v4_host_order())
                                    : v6_cidr_class(t, address.bytes.data());
  return info;
}

int peer_keys(const PolicyTables& t, uint32_t group, const AddressInfo& peer,
              uint64_t keys[kPeerKinds]) noexcept {
  unsigned kinds = t.group_kinds[group];
  int n = 0;
  auto add = [&](PeerKind kind, uint64_t value) {
    if (kinds & (1u << unsigned(kind))) keys[n++] = PolicyTables::allow_key(group, kind, value);
  };
  add(PeerKind::any_peer, 0);
  if (peer.endpoint != kNoId) {
    add(PeerKind::any_pod, 0);
    add(PeerKind::namespace_, peer.namespace_id);
    add(PeerKind::ns_class, peer.ns_class);
    add(PeerKind::pod_class, peer.pod_class);
    add(PeerKind::namespace_pod, pair_value(peer.namespace_id, peer.pod_class));
    add(PeerKind::ns_class_pod, pair_value(peer.ns_class, peer.pod_class));
    add(PeerKind::identity, peer.identity);
    add(PeerKind::endpoint, peer.endpoint);
  }
  if (peer.cidr_class != kNoId) add(PeerKind::cidr, peer.cidr_class);
  return n;
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

bool group_admits(const PolicyTables& t, uint32_t group, const AddressInfo& peer, uint8_t proto,
                  uint16_t port) noexcept {
  if (!protocol_has_ports(proto)) port = 0;
  uint64_t keys[kPeerKinds];
  int n = peer_keys(t, group, peer, keys);
  for (int i = 0; i < n; ++i) {
    const AllowSlot* slot = find_allow_slot(t, keys[i]);
    if (slot && slot_admits(t, *slot, proto, port)) return true;
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

bool any_slot_admits(const PolicyTables& t, const uint64_t* keys, int n, uint8_t proto,
                     uint16_t port) {
  for (int i = 0; i < n; ++i) {
    const AllowSlot* slot = find_allow_slot(t, keys[i]);
    if (slot && slot_admits(t, *slot, proto, port)) return true;
  }
  return false;
}

// A verdict between its two rounds of memory accesses: the address lookups are done, the
// allow-map probes they call for are issued but not yet read.
struct PendingVerdict {
  uint32_t egress;   // the source's egress group, or kNoId
  uint32_t ingress;  // the destination's ingress group, or kNoId
  uint8_t proto;
  uint16_t port;
  int egress_n;
  int ingress_n;
  uint64_t egress_keys[kPeerKinds];
  uint64_t ingress_keys[kPeerKinds];
};

// Round one, with both address slots on their way: describes the two ends. Returns true with
// `decided` set when neither end is isolated; otherwise fills `p` and starts loading its probes.
bool begin_verdict(const PolicyTables& t, const FlowQuery& flow, PendingVerdict& p,
                   Verdict& decided) noexcept {
  AddressInfo src = describe_address(t, flow.src);
  AddressInfo dst = describe_address(t, flow.dst);
  p.egress = src.group[int(Direction::egress)];
  p.ingress = dst.group[int(Direction::ingress)];
  if (p.egress == kNoId && p.ingress == kNoId) {
    decided = Verdict::allow;
    return true;
  }
  p.egress_n = p.egress == kNoId ? 0 : peer_keys(t, p.egress, dst, p.egress_keys);
  p.ingress_n = p.ingress == kNoId ? 0 : peer_keys(t, p.ingress, src, p.ingress_keys);
  size_t mask = t.allow_map.size() - 1;
  for (int i = 0; i < p.egress_n; ++i) {
    __builtin_prefetch(&t.allow_map[mix64(p.egress_keys[i]) & mask]);
  }
  for (int i = 0; i < p.ingress_n; ++i) {
    __builtin_prefetch(&t.allow_map[mix64(p.ingress_keys[i]) & mask]);
  }
  p.proto = flow.ip_proto;
  p.port = protocol_has_ports(flow.ip_proto) ? flow.dst_port : 0;
  return false;
}

// Round two: reads the probes. An isolated end must admit the other.
Verdict finish_verdict(const PolicyTables& t, const PendingVerdict& p) noexcept {
  if (p.egress != kNoId && !any_slot_admits(t, p.egress_keys, p.egress_n, p.proto, p.port)) {
    return Verdict::deny;
  }
  if (p.ingress != kNoId && !any_slot_admits(t, p.ingress_keys, p.ingress_n, p.proto, p.port)) {
    return Verdict::deny;
  }
  return Verdict::allow;
}

// classify_burst() works through a batch this many flows at a time: enough misses in flight
// to keep the memory system busy, few enough that the first slots are still in cache when
// their flow's turn comes.
constexpr uint32_t kClassifyChunk = 16;

}  // namespace

void prefetch_verdict(const PolicyTables& t, const IpAddress& src, const IpAddress& dst) noexcept {
  prefetch_address(t, src);
  prefetch_address(t, dst);
}

Verdict classify(const PolicyTables& t, const FlowQuery& flow) noexcept {
  if (flow.src.family != flow.dst.family) return Verdict::deny;
  prefetch_address(t, flow.src);
  prefetch_address(t, flow.dst);
  PendingVerdict pending;
  Verdict verdict;
  if (begin_verdict(t, flow, pending, verdict)) return verdict;
  return finish_verdict(t, pending);
}

void classify_burst(const PolicyTables& t, const FlowQuery flows[], uint32_t count,
                    Verdict verdicts[]) noexcept {
  PendingVerdict pending[kClassifyChunk];
  bool decided[kClassifyChunk];
  for (uint32_t base = 0; base < count; base += kClassifyChunk) {
    const uint32_t n = count - base < kClassifyChunk ? count - base : kClassifyChunk;
    const FlowQuery* f = flows + base;
    Verdict* out = verdicts + base;
    for (uint32_t i = 0; i < n; ++i) {
      if (f[i].src.family != f[i].dst.family) continue;
      prefetch_address(t, f[i].src);
      prefetch_address(t, f[i].dst);
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (f[i].src.family != f[i].dst.family) {
        out[i] = Verdict::deny;
        decided[i] = true;
      } else {
        decided[i] = begin_verdict(t, f[i], pending[i], out[i]);
      }
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (!decided[i]) out[i] = finish_verdict(t, pending[i]);
    }
  }
}

size_t PolicyTables::bytes() const {
  auto vec = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  size_t total = sizeof(*this) + vec(v4_endpoints) + vec(v6_endpoints) + vec(v4_interval_starts) +
                 vec(v4_interval_class) + vec(v6_interval_starts) + vec(v6_interval_class) +
                 vec(endpoints) + vec(endpoint_pod) + vec(identities) + vec(group_kinds) +
                 vec(allow_map) + vec(port_sets) + vec(port_ranges) + vec(groups) +
                 vec(group_policies) + vec(rule_refs) + vec(slot_provenance) + vec(provenance);
  for (const auto* names : {&pod_names, &policy_names, &namespace_names}) {
    total += vec(*names);
    for (const auto& s : *names) total += s.capacity() > 15 ? s.capacity() : 0;
  }
  return total;
}

}  // namespace podwall
