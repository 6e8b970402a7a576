#pragma once
// Internal: the backends compiled into kfm_core. registry.cpp lists them.
#include "kfm/backend.hpp"

namespace kfm::backends {

// Eigen GEMM per block with an online softmax: the BLAS-style comparison point.
const Backend& gemm();
// Scalar float64 ground truth.
const Backend& reference();

}  // namespace kfm::backends
