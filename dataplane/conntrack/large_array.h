#pragma once
// A fixed array for the big per-worker tables, backed by anonymous memory that the kernel is
// asked to back with transparent huge pages. A flow table spans tens of megabytes and every
// lookup lands on a random line of it: with 4 KiB pages nearly every lookup also misses the
// TLB. Allocated and touched once at construction; never resized.
//
// Thread: construct and destroy off the fast path. Construction throws std::bad_alloc when the
// memory is not there, like any allocation at start-up.

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "dataplane/policy/huge_page_allocator.h"

namespace podwall {

template <class T>
class LargeArray {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  explicit LargeArray(size_t count) : data_(HugePageAllocator<T>().allocate(count)), count_(count) {
    // Value-initialise: this also faults every page in now rather than on the first packets.
    for (size_t i = 0; i < count; ++i) new (&data_[i]) T();
  }
  ~LargeArray() { HugePageAllocator<T>().deallocate(data_, count_); }
  LargeArray(const LargeArray&) = delete;
  LargeArray& operator=(const LargeArray&) = delete;

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* data() { return data_; }
  size_t size() const { return count_; }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

}  // namespace podwall
