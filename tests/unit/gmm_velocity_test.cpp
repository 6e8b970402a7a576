#include "kfm/gmm_velocity.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <gtest/gtest.h>

#include "kfm/error.hpp"
#include "kfm/random.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

// Points on the path at time t: x = t x_1 + sigma_t z, x_1 from the mixture.
Matrix<double> path_points(const GaussianMixture& gmm, const FlowTime& time, Eigen::Index n,
                           Rng& rng) {
  return time.t() * gmm.sample(n, rng) + time.sigma_t() * rng.normal_matrix(n, gmm.dim());
}

double rms(const Matrix<double>& a) { return std::sqrt(a.squaredNorm() / double(a.rows())); }

GaussianMixture one_dimensional_mixture() {
  GaussianMixture gmm;
  gmm.weights = {0.3, 0.5, 0.2};
  gmm.means = {Vector<double>::Constant(1, -2.0), Vector<double>::Constant(1, 0.5),
               Vector<double>::Constant(1, 3.0)};
  gmm.covs = {Matrix<double>::Constant(1, 1, 0.4), Matrix<double>::Constant(1, 1, 0.1),
              Matrix<double>::Constant(1, 1, 1.5)};
  return gmm;
}

TEST(GmmVelocity, MatchesQuadratureInOneDimension) {
  // E[x_1 | x_t = x] = ∫ x_1 p(x | x_1) p(x_1) dx_1 / ∫ p(x | x_1) p(x_1) dx_1, with
  // p(x | x_1) = N(x; t x_1, sigma_t^2): the trapezoid rule on a fine grid.
  const GaussianMixture gmm = one_dimensional_mixture();
  const auto normal = [](double z, double mean, double var) {
    return std::exp(-0.5 * (z - mean) * (z - mean) / var) / std::sqrt(2 * std::numbers::pi * var);
  };
  for (double t : {0.05, 0.3, 0.56, 0.9, 1.0}) {
    const FlowTime time(t, 0.01);
    Matrix<double> x(5, 1);
    x << -2.5 * t, -0.3, 0.4 * t, 1.7 * t, 3.2 * t;
    const Matrix<double> mean = gmm_posterior_mean(gmm, x, time);
    const Matrix<double> u = gmm_velocity(gmm, x, time);
    const Vector<double> log_p = gmm_path_log_density(gmm, x, time);
    for (Eigen::Index j = 0; j < x.rows(); ++j) {
      double num = 0, den = 0;
      // The likelihood is N(x_1; x / t, h^2): integrate over +-12 h of it (inside the prior).
      const double h = time.bandwidth(), centre = x(j, 0) / t;
      const double lo = std::max(-12.0, centre - 12 * h), hi = std::min(14.0, centre + 12 * h);
      const int n = 20000;
      const double step = (hi - lo) / n;
      for (int i = 0; i <= n; ++i) {
        const double x1 = lo + i * step;
        double prior = 0;
        for (size_t k = 0; k < 3; ++k)
          prior += gmm.weights[k] * normal(x1, gmm.means[k](0), gmm.covs[k](0, 0));
        const double w = (i == 0 || i == n ? 0.5 : 1.0) * step * prior *
                         normal(x(j, 0), t * x1, time.sigma_t() * time.sigma_t());
        num += w * x1;
        den += w;
      }
      EXPECT_NEAR(mean(j, 0), num / den, 1e-7 * (1 + std::abs(num / den))) << "t=" << t;
      EXPECT_NEAR(u(j, 0), (num / den - 0.99 * x(j, 0)) / time.sigma_t(), 1e-6) << "t=" << t;
      EXPECT_NEAR(log_p(j), std::log(den), 1e-7) << "t=" << t;
    }
  }
}

TEST(GmmVelocity, PlugInNadarayaWatsonConvergesToItAsSupportGrows) {
  Rng rng(21);
  const GaussianMixture gmm = make_gmm(2, GmmParams{}, rng);
  const FlowTime time(0.5, 0.01);
  const Matrix<double> x = path_points(gmm, time, 300, rng);
  const Matrix<double> truth = gmm_velocity(gmm, x, time);
  VelocityOptions options;
  options.t = 0.5;
  options.backend = "reference";
  std::vector<double> errors;
  for (Eigen::Index m : {30, 300, 3000, 30000}) {
    const Matrix<double> support = gmm.sample(m, rng);
    errors.push_back(rms(velocity<double>(x, support, options).u - truth) / rms(truth));
  }
  for (size_t i = 1; i < errors.size(); ++i) EXPECT_LT(errors[i], errors[i - 1]) << i;
  EXPECT_LT(errors.back(), 0.05);
  EXPECT_LT(errors.back(), 0.25 * errors.front());
}

TEST(GmmVelocity, WhitenedPathMatchesMahalanobisKernelWithLargeSupport) {
  // Noise covariance C = M^-1 <-> NW smoother with metric M (SPEC §1, identity 5).
  Rng rng(8);
  const GaussianMixture gmm = make_gmm(2, GmmParams{}, rng);
  Matrix<double> metric(2, 2);
  metric << 2.0, 0.6, 0.6, 0.5;
  const Matrix<double> noise = metric.inverse();
  const FlowTime time(0.4, 0.01);
  const Matrix<double> lower = noise.llt().matrixL();
  const Matrix<double> x = time.t() * gmm.sample(200, rng) +
                           time.sigma_t() * rng.normal_matrix(200, 2) * lower.transpose();
  const Matrix<double> truth = gmm_velocity(gmm, x, time, noise);
  VelocityOptions options;
  options.t = 0.4;
  options.metric = Metric::mahalanobis(metric);
  const Matrix<double> plug_in = velocity<double>(x, gmm.sample(40000, rng), options).u;
  EXPECT_LT(rms(plug_in - truth) / rms(truth), 0.05);
  // ... and it differs from the isotropic truth, so the test can tell them apart.
  EXPECT_GT(rms(gmm_velocity(gmm, x, time) - truth) / rms(truth), 0.1);
  // The identity noise covariance is the default path.
  EXPECT_LT((gmm_velocity(gmm, x, time, Matrix<double>::Identity(2, 2)) -
             gmm_velocity(gmm, x, time))
                .cwiseAbs()
                .maxCoeff(),
            1e-10);
}

TEST(GmmVelocity, ScoreIdentityHolds) {
  // u_t(x) = x / t + (sigma_t / t) grad log p_t(x) (SPEC §1, identity 1), by central differences.
  Rng rng(2);
  const GaussianMixture gmm = make_gmm(3, GmmParams{}, rng);
  for (double t : {0.1, 0.56, 0.95}) {
    const FlowTime time(t, 0.01);
    const Matrix<double> x = path_points(gmm, time, 20, rng);
    const Matrix<double> u = gmm_velocity(gmm, x, time);
    const double eps = 1e-5;
    for (Eigen::Index c = 0; c < 3; ++c) {
      Matrix<double> up = x, down = x;
      up.col(c).array() += eps;
      down.col(c).array() -= eps;
      const Vector<double> grad =
          (gmm_path_log_density(gmm, up, time) - gmm_path_log_density(gmm, down, time)) /
          (2 * eps);
      for (Eigen::Index j = 0; j < x.rows(); ++j) {
        const double expected = x(j, c) / t + time.sigma_t() / t * grad(j);
        EXPECT_NEAR(u(j, c), expected, 1e-5 * (1 + std::abs(expected))) << "t=" << t;
      }
    }
  }
}

TEST(GmmVelocity, PosteriorIsNormalizedAndStableFarAway) {
  Rng rng(4);
  const GaussianMixture gmm = make_gmm(16, GmmParams{}, rng);
  const FlowTime time(0.999, 0.01);
  Matrix<double> x = 1e3 * rng.normal_matrix(10, 16);  // astronomically unlikely points
  const Matrix<double> w = gmm_posterior_weights(gmm, x, time);
  for (Eigen::Index j = 0; j < x.rows(); ++j) EXPECT_NEAR(w.row(j).sum(), 1.0, 1e-12);
  EXPECT_TRUE(gmm_velocity(gmm, x, time).allFinite());
  EXPECT_TRUE(gmm_path_log_density(gmm, x, time).allFinite());
}

TEST(GmmVelocity, AtSmallTimeTheMeanIsThePriorMean) {
  Rng rng(6);
  const GaussianMixture gmm = make_gmm(3, GmmParams{}, rng);
  Vector<double> prior_mean = Vector<double>::Zero(3);
  for (int k = 0; k < gmm.components(); ++k) prior_mean += gmm.weights[size_t(k)] * gmm.means[size_t(k)];
  const Matrix<double> mean = gmm_posterior_mean(gmm, rng.normal_matrix(4, 3), FlowTime(1e-9, 0.01));
  for (Eigen::Index j = 0; j < 4; ++j)
    EXPECT_LT((mean.row(j).transpose() - prior_mean).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(GmmVelocity, RejectsBadInput) {
  Rng rng(0);
  const GaussianMixture gmm = make_gmm(2, GmmParams{}, rng);
  const FlowTime time(0.5, 0.01);
  EXPECT_THROW(gmm_velocity(gmm, Matrix<double>::Zero(3, 3), time), Error);
  Matrix<double> nan_x = Matrix<double>::Zero(1, 2);
  nan_x(0, 0) = std::nan("");
  EXPECT_THROW(gmm_velocity(gmm, nan_x, time), Error);
  EXPECT_THROW(gmm_velocity(GaussianMixture{}, Matrix<double>::Zero(1, 2), time), Error);
  Matrix<double> not_pd(2, 2);
  not_pd << 1, 2, 2, 1;
  EXPECT_THROW(gmm_velocity(gmm, Matrix<double>::Zero(1, 2), time, not_pd), Error);
  Matrix<double> not_symmetric(2, 2);
  not_symmetric << 1, 0.5, 0, 1;
  EXPECT_THROW(gmm_velocity(gmm, Matrix<double>::Zero(1, 2), time, not_symmetric), Error);
  EXPECT_THROW(gmm_velocity(gmm, Matrix<double>::Zero(1, 2), time, Matrix<double>::Identity(3, 3)),
               Error);
}

}  // namespace
}  // namespace kfm
