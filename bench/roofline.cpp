#include "roofline.hpp"

#include <algorithm>

namespace kfm::bench {

MachineRates Roofline::at(int threads) const {
  if (rates_.empty()) return {};
  if (auto it = rates_.find(threads); it != rates_.end()) return it->second;
  auto below = rates_.upper_bound(threads);
  if (below == rates_.begin()) return below->second;  // fewer threads than any calibrated
  --below;
  const double scale = double(threads) / double(below->first);
  const MachineRates& most = rates_.rbegin()->second;
  return {std::min(below->second.fma_flops * scale, std::max(most.fma_flops, below->second.fma_flops)),
          std::min(below->second.exp_per_s * scale, std::max(most.exp_per_s, below->second.exp_per_s)),
          std::min(below->second.bytes_per_s * scale,
                   std::max(most.bytes_per_s, below->second.bytes_per_s))};
}

double Roofline::seconds_per_pair(long d, int threads) const {
  const MachineRates r = at(threads);
  if (r.fma_flops <= 0 || r.exp_per_s <= 0) return 0.0;
  return 4.0 * double(d) / r.fma_flops + 1.0 / r.exp_per_s;
}

Roofline& roofline() {
  static Roofline instance;
  return instance;
}

}  // namespace kfm::bench
