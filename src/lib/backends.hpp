#pragma once
// Internal: the backends compiled into kfm_core. registry.cpp lists them.
#include "kfm/backend.hpp"

namespace kfm::backends {

// The default: SIMD online softmax (fused_backend.cpp, isa/fused_kernel.cpp).
const Backend& fused();
const Backend& reference();

}  // namespace kfm::backends
