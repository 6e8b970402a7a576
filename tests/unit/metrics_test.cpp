#include "kfm/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "kfm/error.hpp"
#include "kfm/random.hpp"

namespace kfm {
namespace {

// The textbook definitions with explicit differences, to check the blocked GEMM forms.
double brute_mmd2(const Matrix<double>& a, const Matrix<double>& b, double h) {
  const auto k = [h](const auto& x, const auto& y) {
    return std::exp(-(x - y).squaredNorm() / (2 * h * h));
  };
  double aa = 0, bb = 0, ab = 0;
  const double n = double(a.rows()), m = double(b.rows());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.rows(); ++j)
      if (i != j) aa += k(a.row(i), a.row(j));
  for (Eigen::Index i = 0; i < b.rows(); ++i)
    for (Eigen::Index j = 0; j < b.rows(); ++j)
      if (i != j) bb += k(b.row(i), b.row(j));
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < b.rows(); ++j) ab += k(a.row(i), b.row(j));
  return aa / (n * (n - 1)) + bb / (m * (m - 1)) - 2 * ab / (n * m);
}

double brute_energy(const Matrix<double>& a, const Matrix<double>& b) {
  const auto mean_distance = [](const Matrix<double>& x, const Matrix<double>& y) {
    double s = 0;
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      for (Eigen::Index j = 0; j < y.rows(); ++j) s += (x.row(i) - y.row(j)).norm();
    return s / double(x.rows() * y.rows());
  };
  return 2 * mean_distance(a, b) - mean_distance(a, a) - mean_distance(b, b);
}

Matrix<double> shifted(Matrix<double> x, double shift) {
  x.col(0).array() += shift;
  return x;
}

TEST(Metrics, MmdMatchesTheDefinitionAcrossBlocks) {
  Rng rng(1);
  const Matrix<double> a = rng.normal_matrix(300, 3);  // more rows than one block
  const Matrix<double> b = shifted(rng.normal_matrix(270, 3), 0.7);
  EXPECT_NEAR(mmd2_unbiased(a, b, 1.3), brute_mmd2(a, b, 1.3), 1e-12);
  const double h = median_heuristic_bandwidth(a, b);
  EXPECT_NEAR(mmd2_unbiased(a, b), brute_mmd2(a, b, h), 1e-12);
}

TEST(Metrics, MedianHeuristicIsTheMedianPooledDistance) {
  Rng rng(2);
  const Matrix<double> a = rng.normal_matrix(20, 2), b = rng.normal_matrix(13, 2);
  Matrix<double> pooled(33, 2);
  pooled << a, b;
  std::vector<double> d;
  for (Eigen::Index i = 0; i < 33; ++i)
    for (Eigen::Index j = i + 1; j < 33; ++j) d.push_back((pooled.row(i) - pooled.row(j)).norm());
  std::sort(d.begin(), d.end());
  // 528 distances: the median is the mean of the two middle ones.
  EXPECT_NEAR(median_heuristic_bandwidth(a, b), 0.5 * (d[263] + d[264]), 1e-12);
}

TEST(Metrics, MmdOfASampleAgainstItselfIsNearZero) {
  Rng rng(3);
  const Matrix<double> a = rng.normal_matrix(400, 4);
  // Identical sets: the unbiased estimate is -2 (1 - mean off-diagonal kernel) / n.
  const double self = mmd2_unbiased(a, a);
  EXPECT_LE(self, 0.0);
  EXPECT_GT(self, -2.0 / 400);
  // Two independent samples of the same law: near 0, either sign, O(1/n).
  const double same_law = mmd2_unbiased(a, rng.normal_matrix(400, 4));
  EXPECT_LT(std::abs(same_law), 0.01);
}

TEST(Metrics, MmdAndEnergyGrowWithAKnownShift) {
  Rng rng(4);
  const Matrix<double> a = rng.normal_matrix(300, 2), base = rng.normal_matrix(300, 2);
  double previous_mmd = -1, previous_energy = -1;
  for (double shift : {0.0, 0.5, 1.0, 2.0, 4.0}) {
    const Matrix<double> b = shifted(base, shift);
    const double mmd = mmd2_unbiased(a, b, 1.0), energy = energy_distance(a, b);
    EXPECT_GT(mmd, previous_mmd) << shift;
    EXPECT_GT(energy, previous_energy) << shift;
    previous_mmd = mmd;
    previous_energy = energy;
  }
  // Population MMD^2 for N(0, I) vs N(delta e_1, I) with kernel bandwidth h (d = 2):
  // 2 (h^2 / (h^2 + 2))^(d/2) (1 - exp(-delta^2 / (2 (h^2 + 2)))).
  const double delta = 2.0, h2 = 1.0;
  const double population = 2 * (h2 / (h2 + 2)) * (1 - std::exp(-delta * delta / (2 * (h2 + 2))));
  const Matrix<double> big_a = rng.normal_matrix(1500, 2), big_b = rng.normal_matrix(1500, 2);
  EXPECT_NEAR(mmd2_unbiased(big_a, shifted(big_b, delta), 1.0), population, 0.02);
}

TEST(Metrics, EnergyDistanceMatchesDefinitionAndVanishesOnIdenticalSets) {
  Rng rng(5);
  const Matrix<double> a = rng.normal_matrix(260, 3);
  const Matrix<double> b = shifted(rng.normal_matrix(100, 3), 0.4);
  EXPECT_NEAR(energy_distance(a, b), brute_energy(a, b), 1e-10);
  EXPECT_EQ(energy_distance(a, a), 0.0);
  EXPECT_GE(energy_distance(a, rng.normal_matrix(50, 3)), 0.0);
  // Two point masses at distance 3: 2 * 3 - 0 - 0.
  EXPECT_NEAR(energy_distance(Matrix<double>::Zero(4, 2), Matrix<double>::Constant(2, 2, 3.0 / std::sqrt(2.0))),
              6.0, 1e-12);
}

TEST(Metrics, StudentTQuantilesMatchTables) {
  // Reference values from mpmath at 30 digits (dof 1 and 2 also in closed form).
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706204736174707, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.302652729749464, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 6), 2.446911851144969, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042272456301238, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.995, 10), 3.169272672616951, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 100000), 1.959983, 1e-5);
  EXPECT_NEAR(student_t_quantile(0.025, 6), -2.446911851144969, 1e-10);
  EXPECT_THROW(student_t_quantile(0.975, 0), Error);
  EXPECT_THROW(student_t_quantile(1.0, 3), Error);
}

TEST(Metrics, PowerLawFitRecoversAnExactExponent) {
  std::vector<double> x, y;
  for (double m : {10.0, 25.0, 50.0, 100.0, 250.0, 500.0}) {
    x.push_back(m);
    y.push_back(3.0 * std::pow(m, -0.6));
  }
  const PowerLawFit fit = fit_power_law(x, y);
  EXPECT_NEAR(fit.exponent, 0.6, 1e-12);
  EXPECT_NEAR(fit.intercept, std::log(3.0), 1e-12);
  EXPECT_NEAR(fit.r2, 1.0, 1e-12);
  EXPECT_NEAR(fit.ci_low, 0.6, 1e-9);
  EXPECT_NEAR(fit.ci_high, 0.6, 1e-9);
  EXPECT_EQ(fit.n, 6);
}

TEST(Metrics, PowerLawIntervalCoversTheTrueExponentAtItsNominalRate) {
  // Noisy synthetic power laws: the 95% interval must cover the truth ~95% of the time.
  Rng rng(6);
  const std::vector<double> x{10, 25, 50, 100, 250, 500, 1000, 2500};
  int covered = 0;
  const int trials = 2000;
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<double> y;
    for (double m : x) y.push_back(0.5 * std::pow(m, -0.8) * std::exp(0.2 * rng.normal()));
    const PowerLawFit fit = fit_power_law(x, y);
    ASSERT_LT(fit.ci_low, fit.exponent);
    ASSERT_GT(fit.ci_high, fit.exponent);
    if (fit.ci_low <= 0.8 && 0.8 <= fit.ci_high) ++covered;
  }
  EXPECT_NEAR(double(covered) / trials, 0.95, 0.015);
}

TEST(Metrics, QuantileInterpolatesLikeNumpy) {
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile({7}, 0.9), 7.0);
  EXPECT_THROW(quantile({}, 0.5), Error);
  EXPECT_THROW(quantile({1, 2}, 1.5), Error);
}

TEST(Metrics, RejectBadInput) {
  const Matrix<double> a = Matrix<double>::Zero(5, 2);
  EXPECT_THROW(mmd2_unbiased(a, Matrix<double>::Zero(5, 3)), Error);
  EXPECT_THROW(mmd2_unbiased(a, Matrix<double>::Zero(1, 2)), Error);
  EXPECT_THROW(mmd2_unbiased(a, a, -1.0), Error);
  EXPECT_THROW(median_heuristic_bandwidth(a, a), Error);  // all distances 0
  EXPECT_THROW(energy_distance(Matrix<double>(0, 2), a), Error);
  EXPECT_THROW(fit_power_law({1, 2}, {1, 2}), Error);
  EXPECT_THROW(fit_power_law({1, 2, 3}, {1, -2, 3}), Error);
  EXPECT_THROW(fit_power_law({2, 2, 2}, {1, 2, 3}), Error);
}

}  // namespace
}  // namespace kfm
