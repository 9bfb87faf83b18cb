#pragma once
// An allocator for the policy tables' big hash arrays: large blocks come from anonymous memory
// aligned to 2 MiB and marked for transparent huge pages; small ones from operator new.
//
// A verdict lands on random slots of arrays of tens of megabytes. With 4 KiB pages nearly every
// one of those accesses also misses the TLB, and on a virtual machine a TLB miss is a
// two-level page walk that costs as much as the cache miss itself. Huge pages (where the kernel
// grants them; the hint may be refused) take most of those walks away.
//
// Thread: any thread but a worker's, like everything that allocates.

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace podwall {

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage)
      return static_cast<T*>(::operator new(bytes, std::align_val_t(alignof(T))));
    // Map a huge page more than needed, then give back the unaligned head and the tail.
    const size_t length = round_up(bytes, kHugePage);
    void* base = mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t start = round_up(uintptr_t(base), kHugePage);
    const size_t head = start - uintptr_t(base);
    if (head > 0) munmap(base, head);
    munmap(reinterpret_cast<void*>(start + length), kHugePage - head);  // never empty
#ifdef MADV_HUGEPAGE
    madvise(reinterpret_cast<void*>(start), length, MADV_HUGEPAGE);  // a hint; fine if refused
#endif
    return reinterpret_cast<T*>(start);
  }

  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      ::operator delete(p, std::align_val_t(alignof(T)));
      return;
    }
    munmap(p, round_up(bytes, kHugePage));
  }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static constexpr size_t kHugePage = size_t(2) << 20;
  static constexpr size_t round_up(size_t v, size_t to) {
    return (v + to - 1) & ~(to - 1);
  }
};

// A vector whose storage, once large, sits on huge pages.
template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace podwall
