// The allow map's per-group membership filters (tables.h, GroupProbe). A key the filter wrongly
// rules out would turn an allowed connection into a denial, so every key in the map must pass
// its group's filter; and a filter that lets everything through would silently give back the
// allow-map misses it exists to save, so most keys that are not in the map must be stopped.

#include <gtest/gtest.h>

#include <random>

#include "control/compiler/compiler.h"
#include "dataplane/policy/hashing.h"
#include "dataplane/policy/tables.h"
#include "tests/unit/policy/random_cluster.h"

namespace podwall::testing {
namespace {

bool filter_passes(const PolicyTables& t, uint64_t key) {
  const GroupProbe& g = t.group_probes[(key >> 40) - 1];
  uint64_t hash = mix64(key);
  uint64_t bits = filter_bits(hash);
  return (t.allow_filter[g.filter_first + filter_word(hash, g.filter_mask)] & bits) == bits;
}

struct FilterCounts {
  size_t present = 0;
  size_t present_passed = 0;
  size_t absent = 0;
  size_t absent_passed = 0;
};

void count_filter(const PolicyTables& t, std::mt19937_64& rng, FilterCounts& c) {
  for (const AllowSlot& slot : t.allow_map) {
    if (slot.key == 0) continue;
    ++c.present;
    c.present_passed += filter_passes(t, slot.key);
  }
  // Keys shaped like the ones classify() asks for: a group, a kind it uses, some value.
  std::uniform_int_distribution<uint64_t> value(0, (uint64_t(1) << kValueBits) - 1);
  for (uint32_t group = 0; group < t.group_probes.size(); ++group) {
    unsigned kinds = t.group_probes[group].kinds;
    for (int kind = 0; kind < kPeerKinds; ++kind) {
      if (!(kinds & (1u << kind))) continue;
      for (int i = 0; i < 64; ++i) {
        uint64_t key = PolicyTables::allow_key(group, PeerKind(kind), value(rng));
        if (find_allow_slot(t, key)) continue;
        ++c.absent;
        c.absent_passed += filter_passes(t, key);
      }
    }
  }
}

TEST(AllowFilter, PassesEveryKeyInTheMapAndStopsMostOthers) {
  FilterCounts c;
  for (uint64_t seed = 1; seed <= 600; ++seed) {
    std::mt19937_64 rng(seed);
    auto tables = compile_policy(to_model(random_cluster(rng)));
    count_filter(*tables, rng, c);
  }
  ASSERT_GT(c.present, 1000u) << "the random clusters must give the filters work";
  ASSERT_GT(c.absent, 10000u);
  EXPECT_EQ(c.present_passed, c.present) << "keys in the allow map ruled out by their filter";
  // Sized for about 1.5% (table_packer.cpp); 5% leaves room for small, full filters.
  EXPECT_LT(double(c.absent_passed) / double(c.absent), 0.05)
      << c.absent_passed << " of " << c.absent << " absent keys pass";
}

}  // namespace
}  // namespace podwall::testing
