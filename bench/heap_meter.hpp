#pragma once
// Measures the extra memory a backend needs: the peak growth of the heap during
// one velocity() call. kfm_bench replaces glibc's malloc family with thin
// counting wrappers (heap_meter.cpp); with sanitizers (which own malloc) or off
// glibc the meter is unavailable and the extra_bytes counter reports -1.
#include <cstdint>

namespace kfm::bench {

bool heap_meter_available();

// Usage: HeapWatch watch; ...work...; watch.peak_growth()
class HeapWatch {
 public:
  HeapWatch();
  // Largest number of heap bytes in use at any moment since construction, minus
  // those in use at construction (-1 when the meter is unavailable).
  std::int64_t peak_growth() const;

 private:
  std::int64_t start_;
};

}  // namespace kfm::bench
