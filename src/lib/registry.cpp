#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "backends.hpp"
#include "kfm/error.hpp"

namespace kfm {
namespace {

// Fastest first: the first entry is the default.
const auto& registered() {
  static const std::array<const Backend*, 3> list{&backends::fused(), &backends::gemm(),
                                                  &backends::reference()};
  return list;
}

}  // namespace

const Backend& find_backend(std::string_view name) {
  for (const Backend* b : registered())
    if (b->name() == name) return *b;
  throw Error(fmt::format("unknown backend '{}' (known: {})", name,
                          fmt::join(backend_names(), ", ")));
}

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const Backend* b : registered()) names.emplace_back(b->name());
  return names;
}

std::string_view default_backend_name() { return registered().front()->name(); }

}  // namespace kfm
