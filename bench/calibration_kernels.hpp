#pragma once
// The machine-calibration kernels (SPEC §6): peak fp32 FMA throughput, vector exp
// throughput and memory bandwidth. Each runs on the calling thread only; the
// caller (calibration.cpp) runs one copy per thread. The library binary is
// portable, so the kernels are compiled for the best ISA this CPU has (AVX-512,
// AVX2+FMA or plain C++), chosen once at run time.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kfm::bench {

// Name of the instruction set the kernels below use on this CPU.
std::string_view calibration_isa();

// `reps` rounds of independent FMA chains; returns the flops done (2 per FMA lane).
double fma_kernel(std::int64_t reps);

// `reps` passes of exp over `count` floats in [-20, 0] (logits after the max
// shift); returns the number of exps computed. `scratch` holds 2 * count floats.
double exp_kernel(float* scratch, std::size_t count, std::int64_t reps);

// STREAM triad a = b + s c over `count` floats, `reps` times; returns the bytes
// moved (3 floats per element; write-allocate traffic is not counted).
double triad_kernel(float* a, const float* b, const float* c, std::size_t count,
                    std::int64_t reps);

}  // namespace kfm::bench
