#pragma once
// Which instruction set the SIMD kernels (the `fused` backend) run with.
// kfm is one portable x86-64 binary: the kernels are compiled for AVX-512, AVX2
// and the baseline, and the best one the CPU supports is picked once at run time.
// The environment variable KFM_ISA=avx512|avx2|baseline forces one (for tests and
// benchmarks); asking for an ISA this CPU lacks throws kfm::Error.
#include <string_view>
#include <vector>

namespace kfm {

// "avx512", "avx2" or "baseline": the ISA the kernels use in this process.
std::string_view active_isa();

// The ISAs this CPU can run, best first (always ends with "baseline").
std::vector<std::string_view> supported_isas();

// Test hook: switch the kernels to `isa` (one of supported_isas()) for this process;
// an empty name returns to the automatic choice. Not thread-safe with running kernels.
void force_isa(std::string_view isa);

}  // namespace kfm
