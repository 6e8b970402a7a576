#pragma once
// Internal contract between the portable part of the `fused` backend
// (fused_backend.cpp: validation, centring, packing, oneTBB) and its SIMD kernel
// (isa/fused_kernel.cpp, compiled once per ISA into its own namespace).
// Only plain data and function pointers cross this line: the ISA sources must not
// instantiate inline library templates (Eigen, std containers, TBB), or the linker
// could hand one ISA's copy to every caller (an ODR violation that would run
// AVX-512 code on an AVX2 machine).
#include <cstddef>

namespace kfm::fused {

// One smoothing problem, prepared for a kernel with `lanes` keys per tile.
// Coordinates are centred on the support mean c: q' = q - c, k' = k - c.
template <class T>
struct Job {
  std::ptrdiff_t n = 0, m = 0, dk = 0, dv = 0;
  double scale = 0;  // 1 / (2 h^2)
  // Logit error bound above which the logits that can matter are recomputed exactly
  // (0: all of them; +inf: never). See docs/fused_design.md for the default.
  double refine_tolerance = 0;
  // Queries, n x dk row-major: centred (for the fast logits) and original (exact ones).
  const T* queries_centred = nullptr;
  const T* queries = nullptr;
  const double* query_norm = nullptr;        // |q'|, n
  const double* query_norm2_scaled = nullptr;  // scale |q'|^2, n (exactly the per-query constant)
  // Keys: original rows (m x dk) for exact logits, and packed tiles of `lanes` keys:
  // key_tiles[(tile * dk + c) * lanes + lane] = 2 scale k'_c (0 for padding),
  // key_bias[tile * lanes + lane] = scale |k'|^2 (+inf for padding).
  const T* keys = nullptr;
  const T* key_tiles = nullptr;
  const T* key_bias = nullptr;
  double max_key_norm = 0;  // max |k'|
  // Values: dv < lanes: transposed tiles value_tiles[(tile * dv + c) * lanes + lane];
  // otherwise rows padded to value_stride (a multiple of lanes) with zeros,
  // value_rows[i * value_stride + c] for i < tiles * lanes.
  const T* value_tiles = nullptr;
  const T* value_rows = nullptr;
  std::ptrdiff_t value_stride = 0;
  // Outputs: mean n x dv row-major; neff n (may be null).
  T* mean = nullptr;
  T* neff = nullptr;
};

// One ISA's kernels. run(job, begin, end) computes queries [begin, end); the result
// of a query never depends on the range it was computed in.
struct KernelTable {
  const char* isa;
  std::ptrdiff_t lanes_f32;
  std::ptrdiff_t lanes_f64;
  void (*run_f32)(const Job<float>&, std::ptrdiff_t begin, std::ptrdiff_t end);
  void (*run_f64)(const Job<double>&, std::ptrdiff_t begin, std::ptrdiff_t end);
};

// Constant-initialized in each ISA's object, so choosing one runs none of its code.
namespace avx512 { extern const KernelTable kernel_table; }
namespace avx2 { extern const KernelTable kernel_table; }
namespace baseline { extern const KernelTable kernel_table; }

// The table of active_isa() (see kfm/isa.hpp).
const KernelTable& active_kernels();

}  // namespace kfm::fused
