#pragma once
// A fixed array for the big per-worker tables, backed by anonymous memory that the kernel is
// asked to back with transparent huge pages. A flow table spans tens of megabytes and every
// lookup lands on a random line of it: with 4 KiB pages nearly every lookup also misses the
// TLB. Allocated and touched once at construction; never resized.
//
// Thread: construct and destroy off the fast path. Construction throws std::bad_alloc when the
// memory is not there, like any allocation at start-up.

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

namespace podwall {

template <class T>
class LargeArray {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  explicit LargeArray(size_t count) : count_(count) {
    constexpr size_t kHugePage = size_t(2) << 20;
    size_t bytes = count * sizeof(T);
    mapped_bytes_ = bytes + kHugePage;  // room to start on a huge-page boundary
    void* base =
        mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    base_ = base;
    uintptr_t start = (uintptr_t(base) + kHugePage - 1) & ~(uintptr_t(kHugePage) - 1);
#ifdef MADV_HUGEPAGE
    madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);  // a hint; fine if refused
#endif
    data_ = reinterpret_cast<T*>(start);
    // Value-initialise: this also faults every page in now rather than on the first packets.
    for (size_t i = 0; i < count; ++i) new (&data_[i]) T();
  }
  ~LargeArray() {
    munmap(base_, mapped_bytes_);
  }
  LargeArray(const LargeArray&) = delete;
  LargeArray& operator=(const LargeArray&) = delete;

  T& operator[](size_t i) {
    return data_[i];
  }
  const T& operator[](size_t i) const {
    return data_[i];
  }
  T* data() {
    return data_;
  }
  size_t size() const {
    return count_;
  }

 private:
  void* base_ = nullptr;
  size_t mapped_bytes_ = 0;
  T* data_ = nullptr;
  size_t count_ = 0;
};

}  // namespace podwall
