#include "kfm/limits.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "kfm/error.hpp"

namespace kfm {

std::size_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<std::size_t>(pages), static_cast<std::size_t>(page_size),
                             &bytes))
    return std::numeric_limits<std::size_t>::max();
  return bytes;
}

std::size_t memory_limit_bytes() {
  if (const char* text = std::getenv("KFM_MEMORY_LIMIT_MB"); text && *text) {
    std::size_t mb = 0;
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, mb);
    std::size_t bytes = 0;
    if (ec != std::errc() || ptr != end || mb == 0 || __builtin_mul_overflow(mb, std::size_t{1} << 20, &bytes))
      throw Error(fmt::format("KFM_MEMORY_LIMIT_MB must be a positive whole number of MiB, got '{}'",
                              text));
    return bytes;
  }
  const std::size_t physical = physical_memory_bytes();
  if (physical == 0) return std::numeric_limits<std::size_t>::max() / 4;  // unknown: no limit
  return physical / 4 * 3;
}

std::size_t checked_product(std::initializer_list<std::size_t> factors, const std::string& what) {
  std::size_t product = 1;
  for (const std::size_t f : factors)
    if (__builtin_mul_overflow(product, f, &product))
      throw Error(fmt::format("{} is too large: its size overflows 64-bit arithmetic", what));
  return product;
}

std::string format_bytes(std::size_t bytes) {
  constexpr double kib = 1024.0, mib = kib * 1024, gib = mib * 1024, tib = gib * 1024;
  const auto b = static_cast<double>(bytes);
  if (b >= tib) return fmt::format("{:.1f} TiB", b / tib);
  if (b >= gib) return fmt::format("{:.1f} GiB", b / gib);
  if (b >= mib) return fmt::format("{:.1f} MiB", b / mib);
  if (b >= kib) return fmt::format("{:.1f} KiB", b / kib);
  return fmt::format("{} bytes", bytes);
}

void require_memory(std::size_t bytes, const std::string& what) {
  const std::size_t limit = memory_limit_bytes();
  if (bytes <= limit) return;
  throw Error(fmt::format("{} needs {} of memory, more than the limit of {} (3/4 of physical "
                          "memory, or KFM_MEMORY_LIMIT_MB)", what, format_bytes(bytes),
                          format_bytes(limit)));
}

std::size_t require_elements(std::initializer_list<std::size_t> factors, std::size_t element_size,
                             const std::string& what) {
  const std::size_t elements = checked_product(factors, what);
  require_memory(checked_product({elements, element_size}, what), what);
  return elements;
}

}  // namespace kfm
