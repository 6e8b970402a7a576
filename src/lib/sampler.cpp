// Fixed-step ODE integration of the flow from t_min to 1 (SPEC §5).
#include "kfm/sampler.hpp"

#include <fmt/format.h>

#include "kfm/error.hpp"
#include "kfm/flow_time.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

void validate(const Matrix<double>& x0, const SampleOptions& o) {
  if (o.steps < 1) throw Error(fmt::format("steps must be >= 1, got {}", o.steps));
  if (!std::isfinite(o.t_min) || !(o.t_min > 0.0) || !(o.t_min < 1.0))
    throw Error(fmt::format("t_min must be in (0, 1), got {}", o.t_min));
  (void)FlowTime(o.t_min, o.sigma_min);  // validates sigma_min
  if (o.threads < 0) throw Error(fmt::format("threads must be >= 0, got {}", o.threads));
  if (x0.rows() == 0 || x0.cols() == 0)
    throw Error("initial points are empty: they need at least one row and one column");
  if (!x0.allFinite()) throw Error("initial points contain a non-finite value");
}

Matrix<double> checked(Matrix<double> u, const Matrix<double>& x, double t) {
  if (u.rows() != x.rows() || u.cols() != x.cols())
    throw Error(fmt::format("velocity returned {}x{} for {}x{} points at t = {}", u.rows(),
                            u.cols(), x.rows(), x.cols(), t));
  if (!u.allFinite()) throw Error(fmt::format("velocity is not finite at t = {}", t));
  return u;
}

}  // namespace

Solver parse_solver(std::string_view name) {
  if (name == "euler") return Solver::euler;
  if (name == "heun") return Solver::heun;
  throw Error(fmt::format("unknown solver '{}' (known: euler, heun)", name));
}

std::string_view solver_name(Solver solver) {
  return solver == Solver::heun ? "heun" : "euler";
}

Matrix<double> sample_flow(const VelocityFunction& velocity_fn, const Matrix<double>& x0,
                           const SampleOptions& options) {
  validate(x0, options);
  if (!velocity_fn) throw Error("no velocity function given");
  const int steps = options.steps;
  // Grid times computed from the index (no accumulated rounding); the last is exactly 1.
  const auto time_at = [&](int i) {
    return i == steps ? 1.0 : options.t_min + (1.0 - options.t_min) * i / steps;
  };
  const auto field = [&](const Matrix<double>& x, double t) {
    return checked(velocity_fn(x, t), x, t);
  };
  Matrix<double> x = x0;
  for (int i = 0; i < steps; ++i) {
    if (options.stop && options.stop->load(std::memory_order_relaxed))
      throw Error("interrupted");
    const double t0 = time_at(i), t1 = time_at(i + 1), dt = t1 - t0;
    const Matrix<double> k1 = field(x, t0);
    if (options.solver == Solver::euler) {
      x += dt * k1;
    } else {
      const Matrix<double> predicted = x + dt * k1;
      x += (0.5 * dt) * (k1 + field(predicted, t1));
    }
    if (options.progress) options.progress(i + 1, steps);
  }
  return x;
}

Matrix<double> sample_flow(const Matrix<double>& support, const Matrix<double>& x0,
                           const SampleOptions& options) {
  if (support.rows() == 0 || support.cols() == 0)
    throw Error("support is empty: it needs at least one row and one column");
  if (support.cols() != x0.cols())
    throw Error(fmt::format("initial points have {} columns but support has {}", x0.cols(),
                            support.cols()));
  VelocityOptions vo;
  vo.sigma_min = options.sigma_min;
  vo.metric = options.metric;
  vo.backend = options.backend;
  vo.threads = options.threads;
  const VelocityFunction field = [&](const Matrix<double>& x, double t) {
    vo.t = t;
    return velocity<double>(x, support, vo).u;
  };
  return sample_flow(field, x0, options);
}

}  // namespace kfm
