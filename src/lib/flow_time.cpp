#include "kfm/flow_time.hpp"

#include <cmath>

#include <fmt/format.h>

#include "kfm/error.hpp"

namespace kfm {

FlowTime::FlowTime(double t, double sigma_min) : t_(t), sigma_min_(sigma_min) {
  if (!std::isfinite(t) || !(t > 0.0) || t > 1.0)
    throw Error(fmt::format("t must be in (0, 1], got {}", t));
  if (!std::isfinite(sigma_min) || !(sigma_min > 0.0) || sigma_min > 1.0)
    throw Error(fmt::format("sigma_min must be in (0, 1], got {}", sigma_min));
  // (1 - t) + sigma_min t rather than 1 - (1 - sigma_min) t: the latter rounds to 0
  // at t = 1 when sigma_min < 1e-16.
  sigma_t_ = (1.0 - t) + sigma_min * t;
}

double FlowTime::logit_scale() const {
  const double ratio = t_ / sigma_t_;  // 1 / h, formed first so t^2 cannot underflow alone
  return 0.5 * ratio * ratio;
}

}  // namespace kfm
