#include "kfm/generators.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <Eigen/Eigenvalues>
#include <gtest/gtest.h>

#include "kfm/error.hpp"
#include "kfm/random.hpp"

namespace kfm {
namespace {

Matrix<double> sample_covariance(const Matrix<double>& x) {
  const Matrix<double> centered = x.rowwise() - x.colwise().mean();
  return centered.transpose() * centered / double(x.rows() - 1);
}

TEST(Rng, UniformIsTheTop53BitsOfMt19937_64) {
  // Cross-platform reproducibility: the draws are a fixed function of the standard engine.
  std::mt19937_64 engine(42);
  Rng rng(42);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(rng.uniform(), static_cast<double>(engine() >> 11) * 0x1.0p-53);
}

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
  Rng a(7), b(7), c(8);
  const Matrix<double> ma = a.normal_matrix(5, 3), mb = b.normal_matrix(5, 3),
                       mc = c.normal_matrix(5, 3);
  EXPECT_EQ(ma, mb);
  EXPECT_NE(ma, mc);
  EXPECT_NE(Rng::derive_seed(1, 0), Rng::derive_seed(1, 1));
  EXPECT_NE(Rng::derive_seed(1, 0), Rng::derive_seed(2, 0));
  EXPECT_EQ(Rng::stream(3, 4).uniform(), Rng(Rng::derive_seed(3, 4)).uniform());
}

TEST(Rng, NormalHasUnitMomentsAndUniformIntCoversItsRange) {
  Rng rng(1);
  const int n = 200000;
  double sum = 0, sum2 = 0, sum4 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z, sum2 += z * z, sum4 += z * z * z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum2 / n, 1.0, 0.015);
  EXPECT_NEAR(sum4 / n, 3.0, 0.08);  // Gaussian kurtosis, not just any unit-variance law
  std::vector<int> counts(5, 0);
  for (int i = 0; i < 50000; ++i) {
    const auto v = rng.uniform_int(-2, 2);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    ++counts[size_t(v + 2)];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
  EXPECT_THROW(rng.uniform_int(3, 2), Error);
  auto p = rng.permutation(50);
  std::sort(p.begin(), p.end());
  for (Eigen::Index i = 0; i < 50; ++i) EXPECT_EQ(p[size_t(i)], i);
}

TEST(Gmm, ComponentCountSpansTheRangeAndCovariancesArePositiveDefinite) {
  std::set<int> seen;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    const GaussianMixture gmm = make_gmm(3, GmmParams{}, rng);
    ASSERT_GE(gmm.components(), 2);
    ASSERT_LE(gmm.components(), 8);
    seen.insert(gmm.components());
    double total = 0;
    for (double w : gmm.weights) total += w;
    EXPECT_NEAR(total, 1.0, 1e-12);
    for (const auto& cov : gmm.covs) {
      EXPECT_EQ(cov, cov.transpose());
      // Sigma = F F^T + 0.1 I: every eigenvalue is at least 0.1.
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
      EXPECT_GE(eig.eigenvalues().minCoeff(), 0.1 - 1e-12);
    }
  }
  EXPECT_EQ(seen.size(), 7u);  // every K in 2..8 occurs
}

TEST(Gmm, MeansHaveTheConfiguredScale) {
  // means ~ N(0, 5^2 I): pool the coordinates of many mixtures.
  Rng rng(11);
  double sum2 = 0;
  int count = 0;
  for (int i = 0; i < 400; ++i) {
    const GaussianMixture gmm = make_gmm(4, GmmParams{}, rng);
    for (const auto& mu : gmm.means) sum2 += mu.squaredNorm(), count += 4;
  }
  EXPECT_NEAR(std::sqrt(sum2 / count), 5.0, 0.15);
}

TEST(Gmm, CovarianceMatchesSpecOnAverageAndSamplesFollowIt) {
  // E[F F^T] = d * 0.25 I, so E[Sigma] = (0.25 d cov_scale + 0.1) I.
  const int d = 3;
  Rng rng(5);
  Matrix<double> average = Matrix<double>::Zero(d, d);
  int count = 0;
  for (int i = 0; i < 300; ++i)
    for (const auto& cov : make_gmm(d, GmmParams{}, rng).covs) average += cov, ++count;
  average /= count;
  EXPECT_LT((average - (0.25 * d + 0.1) * Matrix<double>::Identity(d, d)).cwiseAbs().maxCoeff(),
            0.08);
  // One component: the sample covariance converges to Sigma, the mean to mu.
  GmmParams one;
  one.k_min = one.k_max = 1;
  const GaussianMixture gmm = make_gmm(d, one, rng);
  const Matrix<double> x = gmm.sample(40000, rng);
  const double scale = gmm.covs[0].cwiseAbs().maxCoeff();
  EXPECT_LT((sample_covariance(x) - gmm.covs[0]).cwiseAbs().maxCoeff(), 0.05 * scale);
  EXPECT_LT((x.colwise().mean().transpose() - gmm.means[0]).cwiseAbs().maxCoeff(),
            0.03 * std::sqrt(scale));
}

TEST(Gmm, SamplesFollowTheComponentWeights) {
  GaussianMixture gmm;
  gmm.weights = {0.2, 0.8};
  gmm.means = {Vector<double>::Constant(1, -100.0), Vector<double>::Constant(1, 100.0)};
  gmm.covs = {Matrix<double>::Identity(1, 1), Matrix<double>::Identity(1, 1)};
  Rng rng(3);
  const Matrix<double> x = gmm.sample(20000, rng);
  EXPECT_NEAR((x.array() > 0).cast<double>().mean(), 0.8, 0.01);
}

TEST(Shells, RadiiAndCountsFollowTheParameters) {
  std::set<int> seen;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    const Shells shells = make_shells(4, ShellsParams{}, rng);
    seen.insert(shells.components());
    for (double r : shells.radii) {
      EXPECT_GE(r, 1.0);
      EXPECT_LE(r, 5.0);
    }
    EXPECT_EQ(shells.noise, 0.3);
  }
  EXPECT_EQ(seen, (std::set<int>{2, 3, 4, 5}));
}

TEST(Shells, NoiselessPointsLieOnTheShellsAndNoiseHasTheRightScale) {
  Rng rng(9);
  ShellsParams clean;
  clean.noise = 0.0;
  const Shells shells = make_shells(5, clean, rng);
  const Matrix<double> x = shells.sample(500, rng);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    EXPECT_LT(shells.distance_to_nearest_shell(x.row(i).transpose()), 1e-12);
  // One shell of radius r: E[x x^T] = (r^2 / d + noise^2) I and the mean is 0.
  Shells one;
  one.d = 4;
  one.radii = {3.0};
  one.noise = 0.3;
  const Matrix<double> y = one.sample(40000, rng);
  const Matrix<double> second = y.transpose() * y / double(y.rows());
  const double expected = 9.0 / 4 + 0.09;
  EXPECT_LT((second - expected * Matrix<double>::Identity(4, 4)).cwiseAbs().maxCoeff(),
            0.04 * expected);
  EXPECT_LT(y.colwise().mean().cwiseAbs().maxCoeff(), 0.03);
  // |x| - r for one shell: mean ~ (d - 1) noise^2 / (2 r), spread ~ noise.
  Vector<double> gap(y.rows());
  for (Eigen::Index i = 0; i < y.rows(); ++i) gap(i) = y.row(i).norm() - 3.0;
  const double mean_gap = gap.mean();
  EXPECT_NEAR(mean_gap, 3 * 0.09 / 6.0, 0.01);
  EXPECT_NEAR(std::sqrt((gap.array() - mean_gap).square().mean()), 0.3, 0.01);
}

TEST(Shells, DistanceToNearestShell) {
  Shells shells;
  shells.d = 2;
  shells.radii = {1.0, 4.0};
  Vector<double> x(2);
  x << 3.0, 0.0;
  EXPECT_DOUBLE_EQ(shells.distance_to_nearest_shell(x), 1.0);
  x << 0.0, 0.0;
  EXPECT_DOUBLE_EQ(shells.distance_to_nearest_shell(x), 1.0);
  EXPECT_THROW(shells.distance_to_nearest_shell(Vector<double>::Zero(3)), Error);
}

TEST(Tasks, SplitPartitionsTheRows) {
  Matrix<double> points(10, 2);
  for (Eigen::Index i = 0; i < 10; ++i) points.row(i) << double(i), double(-i);
  Rng rng(2);
  const Task task = split_task(points, 4, rng);
  ASSERT_EQ(task.support.rows(), 4);
  ASSERT_EQ(task.targets.rows(), 6);
  std::multiset<double> seen;
  for (Eigen::Index i = 0; i < 4; ++i) seen.insert(task.support(i, 0));
  for (Eigen::Index i = 0; i < 6; ++i) seen.insert(task.targets(i, 0));
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(std::set<double>(seen.begin(), seen.end()).size(), 10u);
  for (Eigen::Index i = 0; i < 4; ++i) EXPECT_EQ(task.support(i, 1), -task.support(i, 0));
  EXPECT_THROW(split_task(points, 0, rng), Error);
  EXPECT_THROW(split_task(points, 11, rng), Error);
  EXPECT_EQ(split_task(points, 10, rng).targets.rows(), 0);
}

TEST(Tasks, ReproducibleBySeed) {
  const auto draw = [](std::uint64_t seed) {
    Rng rng(seed);
    const GaussianMixture gmm = make_gmm(3, GmmParams{}, rng);
    return make_task(gmm, 20, 30, rng);
  };
  const Task a = draw(17), b = draw(17), c = draw(18);
  EXPECT_EQ(a.support, b.support);
  EXPECT_EQ(a.targets, b.targets);
  EXPECT_NE(a.support, c.support);
  EXPECT_EQ(a.targets.rows(), 30);
  Rng r1(4), r2(4);
  const Shells s1 = make_shells(6, ShellsParams{}, r1), s2 = make_shells(6, ShellsParams{}, r2);
  EXPECT_EQ(make_task(s1, 5, 5, r1).support, make_task(s2, 5, 5, r2).support);
}

TEST(Generators, RejectBadParameters) {
  Rng rng(0);
  EXPECT_THROW(make_gmm(0, GmmParams{}, rng), Error);
  GmmParams bad_k;
  bad_k.k_min = 5;
  bad_k.k_max = 2;
  EXPECT_THROW(make_gmm(2, bad_k, rng), Error);
  GmmParams bad_scale;
  bad_scale.mean_scale = -1;
  EXPECT_THROW(make_gmm(2, bad_scale, rng), Error);
  ShellsParams bad_radius;
  bad_radius.radius_scale = 0.5;
  EXPECT_THROW(make_shells(2, bad_radius, rng), Error);
  ShellsParams bad_noise;
  bad_noise.noise = -0.1;
  EXPECT_THROW(make_shells(2, bad_noise, rng), Error);
  EXPECT_THROW(make_task(make_gmm(2, GmmParams{}, rng), 0, 5, rng), Error);
}

}  // namespace
}  // namespace kfm
