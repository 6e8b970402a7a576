#include "heap_meter.hpp"

#include <atomic>
#include <cstddef>

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define KFM_HEAP_METER 1
#include <malloc.h>
#else
#define KFM_HEAP_METER 0
#endif

namespace kfm::bench {
namespace {

// Constant-initialized: valid before any constructor runs (malloc is called early).
std::atomic<std::int64_t> g_in_use{0};
std::atomic<std::int64_t> g_peak{0};

[[maybe_unused]] void count(std::int64_t delta) {
  const std::int64_t now = g_in_use.fetch_add(delta, std::memory_order_relaxed) + delta;
  std::int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

}  // namespace

bool heap_meter_available() { return KFM_HEAP_METER != 0; }

HeapWatch::HeapWatch() : start_(g_in_use.load()) {
  g_peak.store(start_);  // the watched section starts a new peak
}

std::int64_t HeapWatch::peak_growth() const {
  if (!heap_meter_available()) return -1;
  return g_peak.load() - start_;
}

}  // namespace kfm::bench

#if KFM_HEAP_METER
// glibc supports replacing malloc by defining these symbols in the program; the
// wrappers forward to glibc's own allocator and count usable sizes.
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* ptr, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* ptr);
}

namespace {
std::int64_t usable(void* ptr) {
  return ptr ? static_cast<std::int64_t>(malloc_usable_size(ptr)) : 0;
}
void* counted(void* ptr) {
  kfm::bench::count(usable(ptr));
  return ptr;
}
}  // namespace

extern "C" {

void* malloc(std::size_t size) noexcept { return counted(__libc_malloc(size)); }
void* calloc(std::size_t count, std::size_t size) noexcept {
  return counted(__libc_calloc(count, size));
}
void free(void* ptr) noexcept {
  kfm::bench::count(-usable(ptr));
  __libc_free(ptr);
}
void* realloc(void* ptr, std::size_t size) noexcept {
  const std::int64_t old_size = usable(ptr);
  void* moved = __libc_realloc(ptr, size);
  if (moved || size == 0) kfm::bench::count(usable(moved) - old_size);
  return moved;
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
  return counted(__libc_memalign(alignment, size));
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  return counted(__libc_memalign(alignment, size));
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return 22;  // EINVAL
  void* ptr = counted(__libc_memalign(alignment, size));
  if (!ptr && size != 0) return 12;  // ENOMEM
  *out = ptr;
  return 0;
}
void* valloc(std::size_t size) noexcept { return counted(__libc_memalign(4096, size)); }
void* pvalloc(std::size_t size) noexcept {
  return counted(__libc_memalign(4096, (size + 4095) / 4096 * 4096));
}
}
#endif
