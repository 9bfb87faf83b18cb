#include "control/compiler/table_packer.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "dataplane/policy/hashing.h"

namespace podwall {

void sort_rows(std::vector<AllowRow>& rows) {
  std::sort(rows.begin(), rows.end(), [](const AllowRow& a, const AllowRow& b) {
    return std::tie(a.key, a.rule_ref, a.port_set) < std::tie(b.key, b.rule_ref, b.port_set);
  });
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [](const AllowRow& a, const AllowRow& b) {
                           return a.key == b.key && a.rule_ref == b.rule_ref &&
                                  a.port_set == b.port_set;
                         }),
             rows.end());
}

AllowSlot pack_allow_slot(RuleBuilder& rules, const AllowRow* first, const AllowRow* last,
                          PortSpec& scratch, PolicyTables& t, SlotProvenance& why) {
  // Most keys come from one rule: its port set is already merged.
  const PortSpec* spec = &rules.port_specs[first->port_set];
  if (last - first > 1) {
    scratch.all_protocols = false;
    scratch.ranges.clear();
    for (const AllowRow* r = first; r < last; ++r) {
      const PortSpec& one = rules.port_specs[r->port_set];
      scratch.all_protocols |= one.all_protocols;
      scratch.ranges.insert(scratch.ranges.end(), one.ranges.begin(), one.ranges.end());
    }
    if (scratch.all_protocols) scratch.ranges.clear();
    merge_ranges(scratch.ranges);
    spec = &scratch;
  }
  AllowSlot slot{};
  slot.key = first->key;
  if (spec->all_protocols) {
    slot.ports = SlotPorts::all_protocols;
  } else if (spec->ranges.size() == 1) {
    slot.ports = SlotPorts::range;
    slot.ip_proto = spec->ranges[0].ip_proto;
    slot.range = {spec->ranges[0].first, spec->ranges[0].last};
  } else {
    slot.ports = SlotPorts::port_set;
    slot.port_set = spec == &scratch ? rules.intern(scratch) : first->port_set;
  }
  why = {uint32_t(t.provenance.size()), uint32_t(last - first)};
  for (const AllowRow* r = first; r < last; ++r) {
    t.provenance.push_back({r->rule_ref, r->port_set});
  }
  return slot;
}

namespace {

// Needs t.identities.
void pack_endpoints(const ClusterIndex& index, const CidrClasses& cidrs, PolicyTables& t) {
  const auto& records = index.endpoints();
  size_t v4 = 0, v6 = 0;
  for (const auto& e : records) (e.address.is_v4() ? v4 : v6)++;
  t.v4_endpoints.assign(v4 ? table_size_for(v4) : 0, V4Slot{0, kNoId, kNoId, kNoId});
  t.v6_endpoints.assign(v6 ? table_size_for(v6) : 0, V6Slot{{}, kNoId, kNoId, kNoId, 0});

  for (uint32_t id = 0; id < records.size(); ++id) {
    const EndpointRecord& e = records[id];
    const IdentityInfo& identity = t.identities[e.identity];
    uint32_t cidr_class = cidrs.class_of(e.address);
    t.endpoints.push_back({id,
                           e.identity,
                           {identity.group[0], identity.group[1]},
                           identity.namespace_id,
                           identity.ns_class,
                           identity.pod_class,
                           cidr_class});
    t.endpoint_pod.push_back(e.pod);
    if (e.address.is_v4()) {
      uint32_t a = e.address.v4_host_order();
      size_t mask = t.v4_endpoints.size() - 1;
      size_t i = mix64(a) & mask;
      while (t.v4_endpoints[i].endpoint != kNoId) i = (i + 1) & mask;
      t.v4_endpoints[i] = {a, id, e.identity, cidr_class};
    } else {
      size_t mask = t.v6_endpoints.size() - 1;
      size_t i = hash_v6(e.address.bytes.data()) & mask;
      while (t.v6_endpoints[i].endpoint != kNoId) i = (i + 1) & mask;
      V6Slot& slot = t.v6_endpoints[i];
      std::memcpy(slot.address, e.address.bytes.data(), 16);
      slot.endpoint = id;
      slot.identity = e.identity;
      slot.cidr_class = cidr_class;
    }
  }
}

void pack_allow_map(RuleBuilder& rules, PolicyTables& t) {
  auto& rows = rules.rows;
  sort_rows(rows);

  size_t keys = 0;
  for (size_t i = 0; i < rows.size(); ++i) keys += i == 0 || rows[i].key != rows[i - 1].key;
  t.allow_map.assign(table_size_for(keys), AllowSlot{});
  t.slot_provenance.assign(t.allow_map.size(), SlotProvenance{0, 0});
  size_t mask = t.allow_map.size() - 1;

  t.provenance.reserve(rows.size());
  // Rows come in key order, so their slots are random lines of a table far larger than the
  // cache: warm the slot of a row well ahead, so the misses overlap instead of queueing.
  constexpr size_t kLookahead = 32;
  auto warm = [&](size_t row) {
    if (row >= rows.size()) return;
    size_t home = mix64(rows[row].key) & mask;
    __builtin_prefetch(&t.allow_map[home], 1);
    __builtin_prefetch(&t.slot_provenance[home], 1);
  };
  size_t warmed = 0;

  PortSpec scratch;
  for (size_t begin = 0; begin < rows.size();) {
    while (warmed < begin + kLookahead) warm(warmed++);
    size_t end = begin + 1;
    while (end < rows.size() && rows[end].key == rows[begin].key) ++end;
    SlotProvenance why;
    AllowSlot slot = pack_allow_slot(rules, &rows[begin], &rows[end], scratch, t, why);
    uint64_t group = (slot.key >> 40) - 1;
    t.group_probes[group].kinds |= uint16_t(1u << ((slot.key >> kValueBits) & 0xf));
    size_t i = mix64(slot.key) & mask;
    while (t.allow_map[i].key != 0) i = (i + 1) & mask;
    t.allow_map[i] = slot;
    t.slot_provenance[i] = why;
    begin = end;
  }
  t.stats.allow_entries = keys;
}

void pack_filters(PolicyTables& t) {
  std::vector<uint32_t> keys_of_group(t.group_probes.size(), 0);
  for (const AllowSlot& slot : t.allow_map) {
    if (slot.key != 0) ++keys_of_group[(slot.key >> 40) - 1];
  }
  size_t words = 0;
  for (size_t g = 0; g < t.group_probes.size(); ++g) {
    size_t count = std::bit_ceil(std::max<size_t>(keys_of_group[g] * kFilterBitsPerKey / 64, 1));
    t.group_probes[g].filter_first = uint32_t(words);
    t.group_probes[g].filter_mask = uint32_t(count - 1);
    words += count;
  }
  t.allow_filter.assign(words, 0);
  for (const AllowSlot& slot : t.allow_map) {
    if (slot.key == 0) continue;
    const GroupProbe& g = t.group_probes[(slot.key >> 40) - 1];
    uint64_t hash = mix64(slot.key);
    t.allow_filter[g.filter_first + filter_word(hash, g.filter_mask)] |= filter_bits(hash);
  }
}

void pack_port_sets(const RuleBuilder& rules, PolicyTables& t) {
  for (const auto& spec : rules.port_specs) {
    t.port_sets.push_back(
        {uint32_t(t.port_ranges.size()), uint16_t(spec.ranges.size()), spec.all_protocols});
    t.port_ranges.insert(t.port_ranges.end(), spec.ranges.begin(), spec.ranges.end());
  }
}

}  // namespace

void copy_probes_to_identities(PolicyTables& t) {
  for (IdentityInfo& id : t.identities) {
    for (int d = 0; d < 2; ++d) {
      id.probe[d] = id.group[d] == kNoId ? GroupProbe{0, 0, 0} : t.group_probes[id.group[d]];
    }
  }
}

std::unique_ptr<PolicyTables> pack_tables(const ClusterIndex& index, const CidrClasses& cidrs,
                                          RuleBuilder& rules) {
  auto t = std::make_unique<PolicyTables>();
  const Cluster& cluster = index.cluster();

  for (uint32_t id = 0; id < index.identities().size(); ++id) {
    const auto& g = rules.identity_groups[id];
    uint32_t ns = index.identities()[id].namespace_id;
    t->identities.push_back({{g[0], g[1]}, ns, index.ns_class(ns), index.pod_class(id), {}});
  }
  pack_endpoints(index, cidrs, *t);
  t->v4_interval_starts = cidrs.v4_starts;
  t->v4_interval_class = cidrs.v4_classes;
  t->v6_interval_starts = cidrs.v6_starts;
  t->v6_interval_class = cidrs.v6_classes;

  for (const auto& group : rules.groups) {
    t->groups.push_back({uint32_t(t->group_policies.size()), uint32_t(group.policies.size())});
    t->group_policies.insert(t->group_policies.end(), group.policies.begin(), group.policies.end());
  }
  t->rule_refs = rules.rule_refs;

  t->group_probes.assign(rules.groups.size(), GroupProbe{0, 0, 0});
  pack_allow_map(rules, *t);  // may intern merged port sets, so port sets are packed after
  pack_filters(*t);
  copy_probes_to_identities(*t);
  pack_port_sets(rules, *t);

  for (const auto& pod : cluster.pods) t->pod_names.push_back(pod.namespace_name + "/" + pod.name);
  for (const auto& p : cluster.policies) t->policy_names.push_back(p.qualified_name());
  t->namespace_names = index.namespace_names();

  TableStats& s = t->stats;
  s.namespaces = cluster.namespaces.size();
  s.pods = cluster.pods.size();
  s.endpoints = t->endpoints.size();
  s.policies = cluster.policies.size();
  s.identities = t->identities.size();
  s.groups = t->groups.size();
  s.cidr_classes = cidrs.class_count();
  s.namespace_classes = index.ns_class_count();
  s.pod_classes = index.pod_class_count();
  s.bytes = t->bytes();
  return t;
}

}  // namespace podwall
