#pragma once
// Internal: the backends compiled into kfm_core. registry.cpp lists them.
#include "kfm/backend.hpp"

namespace kfm::backends {

const Backend& reference();

}  // namespace kfm::backends
