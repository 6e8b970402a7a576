#pragma once
// Sampling by integrating the flow dx/dt = u_t(x) (SPEC §5) from t_min to 1 on a
// uniform grid of `steps` steps, from x_0 rows (normally N(0, I) draws).
#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "kfm/matrix.hpp"
#include "kfm/metric.hpp"

namespace kfm {

enum class Solver { euler, heun };

// "euler" / "heun"; throws kfm::Error otherwise.
Solver parse_solver(std::string_view name);
std::string_view solver_name(Solver solver);

struct SampleOptions {
  int steps = 100;                 // >= 1
  Solver solver = Solver::euler;   // heun: 2 velocity evaluations per step, second order
  double t_min = 1e-5;             // in (0, 1)
  double sigma_min = 0.01;         // in (0, 1]
  Metric metric = Metric::isotropic();
  std::string backend;             // empty: default backend
  int threads = 0;                 // 0: all cores
  // Checked before every step; when set, sampling throws kfm::Error("interrupted").
  const std::atomic<bool>* stop = nullptr;
  // Called after every step with (steps done, steps) when set (progress lines).
  std::function<void(int, int)> progress;
};

// The velocity field: rows of x at time t -> rows of u_t(x).
using VelocityFunction = std::function<Matrix<double>(const Matrix<double>& x, double t)>;

// Generic integrator (e.g. the closed-form GMM truth flow). Uses steps, solver,
// t_min, stop and progress from the options. Throws kfm::Error on invalid options,
// empty or non-finite x0, or a velocity of the wrong shape.
Matrix<double> sample_flow(const VelocityFunction& velocity, const Matrix<double>& x0,
                           const SampleOptions& options);

// The exact support-conditioned flow: u_t from kfm::velocity (any backend, metric).
Matrix<double> sample_flow(const Matrix<double>& support, const Matrix<double>& x0,
                           const SampleOptions& options);

}  // namespace kfm
