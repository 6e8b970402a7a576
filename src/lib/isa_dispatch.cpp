// Run-time choice of the SIMD kernels (kfm/isa.hpp): the best ISA the CPU supports,
// or the one named by KFM_ISA / force_isa().
#include <array>
#include <atomic>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "fused_kernel.hpp"
#include "kfm/error.hpp"
#include "kfm/isa.hpp"

namespace kfm {
namespace {

bool cpu_has(std::string_view isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (isa == "avx512")
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (isa == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return isa == "baseline";
}

// Best first.
const std::array<const fused::KernelTable*, 3> all_tables{
    &fused::avx512::kernel_table, &fused::avx2::kernel_table, &fused::baseline::kernel_table};

const fused::KernelTable& table_for(std::string_view isa) {
  for (const fused::KernelTable* t : all_tables) {
    if (isa != t->isa) continue;
    if (!cpu_has(isa)) throw Error(fmt::format("this CPU does not support the ISA '{}'", isa));
    return *t;
  }
  throw Error(fmt::format("unknown ISA '{}' (known: avx512, avx2, baseline)", isa));
}

const fused::KernelTable& automatic_choice() {
  if (const char* env = std::getenv("KFM_ISA"); env && *env) return table_for(env);
  for (const fused::KernelTable* t : all_tables)
    if (cpu_has(t->isa)) return *t;
  return fused::baseline::kernel_table;
}

std::atomic<const fused::KernelTable*> forced{nullptr};

}  // namespace

namespace fused {
const KernelTable& active_kernels() {
  if (const KernelTable* f = forced.load(std::memory_order_acquire)) return *f;
  static const KernelTable& chosen = automatic_choice();
  return chosen;
}
}  // namespace fused

std::string_view active_isa() { return fused::active_kernels().isa; }

std::vector<std::string_view> supported_isas() {
  std::vector<std::string_view> isas;
  for (const fused::KernelTable* t : all_tables)
    if (cpu_has(t->isa)) isas.emplace_back(t->isa);
  return isas;
}

void force_isa(std::string_view isa) {
  forced.store(isa.empty() ? nullptr : &table_for(isa), std::memory_order_release);
}

}  // namespace kfm
