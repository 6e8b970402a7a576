#include "kfm/sampler.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "kfm/error.hpp"
#include "kfm/flow_time.hpp"
#include "kfm/generators.hpp"
#include "kfm/gmm_velocity.hpp"
#include "kfm/random.hpp"

namespace kfm {
namespace {

double max_abs(const Matrix<double>& a) { return a.cwiseAbs().maxCoeff(); }

TEST(Sampler, EulerLandsOnASingleSupportPoint) {
  // With one support point s the exact flow is the path itself: x_t = t s + sigma_t c,
  // with c fixed by x(t_min) = x_0, so x(1) = s + sigma_min c. That path is a straight
  // line in t (constant velocity s - (1 - sigma_min) c), so Euler is exact at every step
  // count, and the end point reaches s as the noise floor sigma_min goes to 0.
  Matrix<double> support(1, 3);
  support << 1.5, -2.0, 0.5;
  Rng rng(1);
  const Matrix<double> x0 = rng.normal_matrix(20, 3);
  SampleOptions options;
  options.t_min = 1e-3;
  double previous_distance = 1e300;
  for (double sigma_min : {0.1, 0.01, 0.001}) {
    options.sigma_min = sigma_min;
    const double sigma0 = FlowTime(options.t_min, sigma_min).sigma_t();
    const Matrix<double> c = (x0.rowwise() - options.t_min * support.row(0)) / sigma0;
    const Matrix<double> exact = (sigma_min * c).rowwise() + support.row(0);
    for (int steps : {1, 3, 10, 100}) {
      options.steps = steps;
      EXPECT_LT(max_abs(sample_flow(support, x0, options) - exact), 1e-12) << steps;
    }
    const double distance = max_abs(exact.rowwise() - support.row(0));
    EXPECT_NEAR(distance, sigma_min * max_abs(c), 1e-12);
    EXPECT_LT(distance, 0.2 * previous_distance);
    previous_distance = distance;
  }
}

TEST(Sampler, EulerErrorShrinksWithStepsOnTwoSupportPoints) {
  // Two points: the field bends (the weights switch from averaging to nearest), so Euler
  // is no longer exact; its error against a fine Heun solution falls with the step count
  // and every sample ends next to one of the two points.
  Matrix<double> support(2, 2);
  support << -1.0, 0.0, 1.0, 0.5;
  Rng rng(5);
  const Matrix<double> x0 = rng.normal_matrix(50, 2);
  SampleOptions options;
  options.solver = Solver::heun;
  options.steps = 2000;
  const Matrix<double> reference = sample_flow(support, x0, options);
  options.solver = Solver::euler;
  std::vector<double> errors;
  for (int steps : {25, 100, 400}) {
    options.steps = steps;
    errors.push_back(max_abs(sample_flow(support, x0, options) - reference));
  }
  EXPECT_LT(errors[1], errors[0]);
  EXPECT_LT(errors[2], errors[1]);
  for (Eigen::Index j = 0; j < reference.rows(); ++j) {
    const double nearest = std::min((reference.row(j) - support.row(0)).norm(),
                                    (reference.row(j) - support.row(1)).norm());
    EXPECT_LT(nearest, 0.1) << j;
  }
}

// The closed-form GMM flow is smooth: Euler converges at first order and Heun at
// second order against a fine Heun reference. (Euler needs more steps to reach its
// asymptotic rate: with few steps a trajectory near a component boundary switches branch.)
struct ConvergenceCase {
  GaussianMixture gmm;
  Matrix<double> x0;
  VelocityFunction field;
};

ConvergenceCase make_case() {
  Rng rng(12);
  ConvergenceCase c{make_gmm(2, GmmParams{}, rng), rng.normal_matrix(30, 2), {}};
  c.field = [gmm = c.gmm](const Matrix<double>& x, double t) {
    return gmm_velocity(gmm, x, FlowTime(t, 0.05));
  };
  return c;
}

std::vector<double> ratios(const VelocityFunction& field, const Matrix<double>& x0, Solver solver,
                           std::vector<int> first_steps) {
  SampleOptions options;
  options.t_min = 1e-3;
  options.solver = Solver::heun;
  options.steps = 2000;
  const Matrix<double> reference = sample_flow(field, x0, options);
  options.solver = solver;
  std::vector<double> errors, result;
  for (int steps : first_steps) {
    options.steps = steps;
    errors.push_back(max_abs(sample_flow(field, x0, options) - reference));
  }
  for (size_t i = 1; i < errors.size(); ++i) result.push_back(errors[i - 1] / errors[i]);
  return result;
}

TEST(Sampler, HeunConvergesAtSecondOrderEulerAtFirst) {
  const ConvergenceCase c = make_case();
  for (double r : ratios(c.field, c.x0, Solver::heun, {25, 50, 100, 200})) EXPECT_NEAR(r, 4.0, 0.8);
  for (double r : ratios(c.field, c.x0, Solver::euler, {400, 800, 1600, 3200})) EXPECT_NEAR(r, 2.0, 0.4);
}

TEST(Sampler, IndependentOfThreadCountAndReproducible) {
  Rng rng(3);
  const Matrix<double> support = rng.normal_matrix(40, 4);
  const Matrix<double> x0 = rng.normal_matrix(64, 4);
  SampleOptions options;
  options.steps = 20;
  options.solver = Solver::heun;
  options.threads = 1;
  const Matrix<double> one = sample_flow(support, x0, options);
  options.threads = 2;
  EXPECT_EQ(one, sample_flow(support, x0, options));
  options.threads = 0;
  EXPECT_EQ(one, sample_flow(support, x0, options));
}

TEST(Sampler, StopFlagInterruptsAndProgressIsReported) {
  std::atomic<bool> stop{false};
  int calls = 0, last = 0;
  SampleOptions options;
  options.steps = 10;
  options.stop = &stop;
  options.progress = [&](int done, int total) {
    ++calls;
    last = done;
    EXPECT_EQ(total, 10);
    if (done == 4) stop = true;
  };
  const VelocityFunction zero = [](const Matrix<double>& x, double) {
    return Matrix<double>::Zero(x.rows(), x.cols()).eval();
  };
  try {
    sample_flow(zero, Matrix<double>::Zero(2, 2), options);
    FAIL() << "expected an interruption";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "interrupted");
  }
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(last, 4);
}

TEST(Sampler, TimeGridEndsExactlyAtOne) {
  std::vector<double> times;
  const VelocityFunction record = [&](const Matrix<double>& x, double t) {
    times.push_back(t);
    return Matrix<double>::Zero(x.rows(), x.cols()).eval();
  };
  SampleOptions options;
  options.steps = 7;
  options.solver = Solver::heun;
  options.t_min = 0.3;
  sample_flow(record, Matrix<double>::Zero(1, 1), options);
  ASSERT_EQ(times.size(), 14u);
  EXPECT_EQ(times.front(), 0.3);
  EXPECT_EQ(times.back(), 1.0);
}

TEST(Sampler, RejectsBadOptions) {
  const Matrix<double> support = Matrix<double>::Ones(2, 2);
  const Matrix<double> x0 = Matrix<double>::Zero(3, 2);
  SampleOptions options;
  options.steps = 0;
  EXPECT_THROW(sample_flow(support, x0, options), Error);
  options = {};
  options.t_min = 0.0;
  EXPECT_THROW(sample_flow(support, x0, options), Error);
  options.t_min = 1.0;
  EXPECT_THROW(sample_flow(support, x0, options), Error);
  options = {};
  options.sigma_min = 0.0;
  EXPECT_THROW(sample_flow(support, x0, options), Error);
  options = {};
  EXPECT_THROW(sample_flow(support, Matrix<double>::Zero(3, 3), options), Error);
  EXPECT_THROW(sample_flow(Matrix<double>(0, 2), x0, options), Error);
  options.backend = "no-such-backend";
  EXPECT_THROW(sample_flow(support, x0, options), Error);
  const VelocityFunction wrong_shape = [](const Matrix<double>&, double) {
    return Matrix<double>::Zero(1, 1).eval();
  };
  EXPECT_THROW(sample_flow(wrong_shape, x0, SampleOptions{}), Error);
  EXPECT_EQ(parse_solver("heun"), Solver::heun);
  EXPECT_EQ(solver_name(parse_solver("euler")), "euler");
  EXPECT_THROW(parse_solver("rk4"), Error);
}

}  // namespace
}  // namespace kfm
