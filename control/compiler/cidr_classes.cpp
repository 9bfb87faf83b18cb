#include "control/compiler/cidr_classes.h"

#include <algorithm>

#include "dataplane/policy/tables.h"

namespace podwall {

namespace {

using u128 = unsigned __int128;

u128 to_u128(const IpAddress& a) {
  u128 v = 0;
  unsigned bytes = a.is_v4() ? 4 : 16;
  for (unsigned i = 0; i < bytes; ++i) v = v << 8 | a.bytes[i];
  return v;
}

// [first, last] of a prefix, as integers of the family's width.
std::pair<u128, u128> range_of(const Cidr& c) {
  unsigned width = c.base.bit_width();
  u128 first = to_u128(c.base);
  unsigned host_bits = width - c.prefix_len;
  u128 span = host_bits == 128 ? ~u128(0) : (u128(1) << host_bits) - 1;
  return {first, first + span};
}

}  // namespace

uint32_t CidrClasses::add_block(const IpBlock& block) {
  std::vector<Cidr> except = block.except;
  std::sort(except.begin(), except.end());
  auto [it, inserted] = block_ids_.try_emplace({block.cidr, except}, uint32_t(blocks_.size()));
  if (inserted) blocks_.push_back({block.cidr, std::move(except)});
  return it->second;
}

uint32_t CidrClasses::find_block(const IpBlock& block) const {
  std::vector<Cidr> except = block.except;
  std::sort(except.begin(), except.end());
  auto it = block_ids_.find({block.cidr, except});
  return it == block_ids_.end() ? kNoId : it->second;
}

void CidrClasses::build_family(IpFamily family,
                               std::map<std::vector<uint32_t>, uint32_t>& class_ids) {
  const u128 family_max = family == IpFamily::v4 ? u128(0xffffffffu) : ~u128(0);
  std::vector<u128> cuts = {0};
  for (const auto& b : blocks_) {
    if (b.cidr.base.family != family) continue;
    auto add = [&](const Cidr& c) {
      auto [first, last] = range_of(c);
      cuts.push_back(first);
      if (last != family_max) cuts.push_back(last + 1);
    };
    add(b.cidr);
    for (const auto& e : b.except) add(e);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  // For every interval, the blocks holding it: mark the cidr's intervals, then unmark the
  // excepts' with a per-block stamp so each block costs only the intervals it spans.
  std::vector<std::vector<uint32_t>> members(cuts.size());
  std::vector<uint32_t> excluded_by(cuts.size(), kNoId);
  auto span = [&](const Cidr& c) {
    auto [first, last] = range_of(c);
    size_t lo = size_t(std::lower_bound(cuts.begin(), cuts.end(), first) - cuts.begin());
    size_t hi = last == family_max
                    ? cuts.size()
                    : size_t(std::lower_bound(cuts.begin(), cuts.end(), last + 1) - cuts.begin());
    return std::pair{lo, hi};
  };
  for (uint32_t id = 0; id < blocks_.size(); ++id) {
    const auto& b = blocks_[id];
    if (b.cidr.base.family != family) continue;
    for (const auto& e : b.except) {
      auto [lo, hi] = span(e);
      for (size_t i = lo; i < hi; ++i) excluded_by[i] = id;
    }
    auto [lo, hi] = span(b.cidr);
    for (size_t i = lo; i < hi; ++i) {
      if (excluded_by[i] != id) members[i].push_back(id);
    }
  }

  auto& out = family == IpFamily::v4 ? v4_ : v6_;
  for (size_t i = 0; i < cuts.size(); ++i) {
    uint32_t cls = kNoId;
    if (!members[i].empty()) {
      auto [it, inserted] = class_ids.try_emplace(members[i], uint32_t(class_ids.size()));
      cls = it->second;
      if (inserted) {
        for (uint32_t block : members[i]) block_classes_[block].push_back(cls);
      }
    }
    if (!out.empty() && out.back().cls == cls) continue;  // adjacent intervals, same class
    out.push_back({cuts[i], cls});
  }
}

void CidrClasses::build() {
  block_classes_.assign(blocks_.size(), {});
  std::map<std::vector<uint32_t>, uint32_t> class_ids;
  build_family(IpFamily::v4, class_ids);
  build_family(IpFamily::v6, class_ids);
  class_count_ = class_ids.size();

  for (const auto& iv : v4_) {
    v4_starts.push_back(uint32_t(iv.start));
    v4_classes.push_back(iv.cls);
  }
  for (const auto& iv : v6_) {
    v6_starts.push_back(uint64_t(iv.start >> 64));
    v6_starts.push_back(uint64_t(iv.start));
    v6_classes.push_back(iv.cls);
  }
}

uint32_t CidrClasses::class_of(const IpAddress& address) const {
  const auto& intervals = address.is_v4() ? v4_ : v6_;
  u128 v = to_u128(address);
  auto it = std::upper_bound(intervals.begin(), intervals.end(), v,
                             [](u128 x, const Interval& iv) { return x < iv.start; });
  return it == intervals.begin() ? kNoId : std::prev(it)->cls;
}

}  // namespace podwall
