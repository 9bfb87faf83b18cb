#pragma once
// Stage 2 of the compiler: the address space cut by every ipBlock prefix into CIDR classes.
//
// All prefixes containing an address are nested, so which ipBlocks (cidr minus excepts) hold
// an address depends only on the interval between two consecutive prefix boundaries it falls
// in. Intervals held by the same set of ipBlocks share a class; an address outside every
// ipBlock has no class (kNoId), so it costs no probe.

#include <cstdint>
#include <map>
#include <vector>

#include "control/model.h"

namespace podwall {

class CidrClasses {
 public:
  // Registers an ipBlock; equal blocks share an id.
  uint32_t add_block(const IpBlock& block);
  // The id of a registered block; kNoId if it was never added.
  uint32_t find_block(const IpBlock& block) const;
  // Cuts the intervals. Call once, after every add_block.
  void build();

  size_t block_count() const { return blocks_.size(); }
  size_t class_count() const { return class_count_; }
  // The classes wholly inside block `id` (cidr minus its excepts).
  const std::vector<uint32_t>& classes_of_block(uint32_t id) const { return block_classes_[id]; }
  uint32_t class_of(const IpAddress& address) const;

  // Sorted interval starts and their classes, in the layout PolicyTables wants.
  std::vector<uint32_t> v4_starts, v4_classes;
  std::vector<uint64_t> v6_starts;  // (high64, low64) pairs
  std::vector<uint32_t> v6_classes;

 private:
  struct Interval {
    unsigned __int128 start;
    uint32_t cls;
  };
  void build_family(IpFamily family, std::map<std::vector<uint32_t>, uint32_t>& class_ids);

  std::vector<IpBlock> blocks_;
  std::map<std::pair<Cidr, std::vector<Cidr>>, uint32_t> block_ids_;
  std::vector<std::vector<uint32_t>> block_classes_;
  std::vector<Interval> v4_, v6_;
  size_t class_count_ = 0;
};

}  // namespace podwall
