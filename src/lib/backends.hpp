#pragma once
// Internal: the backends compiled into kfm_core. registry.cpp lists them.
#include "kfm/backend.hpp"

namespace kfm::backends {

// The default: SIMD online softmax (fused_backend.cpp, isa/fused_kernel.cpp).
const Backend& fused();
// Eigen GEMM per block with an online softmax: the BLAS-style comparison point.
const Backend& gemm();
// Scalar float64 ground truth.
const Backend& reference();

}  // namespace kfm::backends
