// Edge cases of the velocity with closed-form answers, input validation, and
// thread-count independence, for every registered backend.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "accuracy.hpp"
#include "kfm/backend.hpp"
#include "kfm/error.hpp"
#include "kfm/flow_time.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

using testing::normal_matrix;

class VelocityEdges : public ::testing::TestWithParam<std::string> {
 protected:
  VelocityOptions options(double t) const {
    VelocityOptions o;
    o.t = t;
    o.backend = GetParam();
    o.want_neff = true;
    return o;
  }
};

TEST_P(VelocityEdges, SingleSupportPointIsExact) {
  const Matrix<double> s = normal_matrix(1, 5, 1);
  const Matrix<double> x = normal_matrix(6, 5, 2, 3.0);
  for (double t : {1e-4, 0.5, 1.0}) {
    const FlowTime time(t, 0.01);
    const VelocityField<double> f = velocity<double>(x, s, options(t));
    for (Eigen::Index j = 0; j < x.rows(); ++j) {
      const Eigen::RowVectorXd expected = (s.row(0) - time.drift() * x.row(j)) / time.sigma_t();
      EXPECT_LE((f.u.row(j) - expected).cwiseAbs().maxCoeff(), 1e-12 * (1 + expected.norm()));
      EXPECT_DOUBLE_EQ(f.neff(j), 1.0);
    }
  }
}

TEST_P(VelocityEdges, OneDimensionTwoPointsIsALogisticBlend) {
  Matrix<double> s(2, 1);
  s << -1.0, 2.0;
  Matrix<double> x(3, 1);
  x << -0.3, 0.1, 0.6;
  const double t = 0.4;
  const FlowTime time(t, 0.01);
  const VelocityField<double> f = velocity<double>(x, s, options(t));
  for (Eigen::Index j = 0; j < 3; ++j) {
    const double xt = x(j, 0) / t, h2 = time.bandwidth() * time.bandwidth();
    const double l0 = -(xt + 1) * (xt + 1) / (2 * h2), l1 = -(xt - 2) * (xt - 2) / (2 * h2);
    const double w1 = 1.0 / (1.0 + std::exp(l0 - l1)), w0 = 1.0 - w1;
    const double mean = -w0 + 2 * w1;
    EXPECT_NEAR(f.u(j, 0), (mean - time.drift() * x(j, 0)) / time.sigma_t(), 1e-12);
    EXPECT_NEAR(f.neff(j), 1.0 / (w0 * w0 + w1 * w1), 1e-12);
  }
}

TEST_P(VelocityEdges, DuplicatingTheSupportKeepsUAndDoublesNeff) {
  const Matrix<double> s = normal_matrix(15, 4, 3);
  Matrix<double> twice(30, 4);
  twice << s, s;
  const Matrix<double> x = testing::path_queries(s, 8, 0.7, 4);
  const VelocityField<double> a = velocity<double>(x, s, options(0.7));
  const VelocityField<double> b = velocity<double>(x, twice, options(0.7));
  EXPECT_LE(testing::velocity_error(b.u, a.u), 1e-12);
  EXPECT_LE((b.neff - 2 * a.neff).cwiseAbs().maxCoeff(), 1e-9 * b.neff.maxCoeff());
}

TEST_P(VelocityEdges, AtTimeOneQueriesOnSeparatedPointsCollapse) {
  // h = sigma_min: each query sitting on a support point sees only that point.
  const Matrix<double> s = normal_matrix(10, 3, 5, 10.0);
  const VelocityField<double> f = velocity<double>(s, s, options(1.0));
  for (Eigen::Index j = 0; j < s.rows(); ++j) {
    EXPECT_NEAR(f.neff(j), 1.0, 1e-12);
    // u = (s - 0.99 s) / 0.01 = s
    EXPECT_LE((f.u.row(j) - s.row(j)).cwiseAbs().maxCoeff(), 1e-9 * (1 + s.row(j).norm()));
  }
}

TEST_P(VelocityEdges, TinyTimeAveragesUniformly) {
  // h is huge at t = 1e-4: logits differ by ~ t x.s, so weights are uniform to
  // O(1e-4) and n_eff = m to O(1e-8).
  const Matrix<double> s = normal_matrix(64, 3, 6);
  const Matrix<double> x = normal_matrix(5, 3, 7);
  const double t = 1e-4;
  const FlowTime time(t, 0.01);
  const VelocityField<double> f = velocity<double>(x, s, options(t));
  const Eigen::RowVectorXd mean = s.colwise().mean();
  for (Eigen::Index j = 0; j < x.rows(); ++j) {
    const Eigen::RowVectorXd expected = (mean - time.drift() * x.row(j)) / time.sigma_t();
    EXPECT_LE((f.u.row(j) - expected).cwiseAbs().maxCoeff(), 2e-3);
    EXPECT_NEAR(f.neff(j), 64.0, 1e-4);
  }
}

TEST_P(VelocityEdges, NeffIsBetweenOneAndM) {
  const Matrix<double> s = normal_matrix(40, 2, 8);
  for (double t : {0.01, 0.3, 0.99}) {
    const VelocityField<double> f =
        velocity<double>(testing::path_queries(s, 20, t, 9), s, options(t));
    EXPECT_GE(f.neff.minCoeff(), 1.0 - 1e-12);
    EXPECT_LE(f.neff.maxCoeff(), 40.0 + 1e-9);
  }
}

TEST_P(VelocityEdges, ResultDoesNotDependOnThreadCount) {
  const Matrix<double> s = normal_matrix(700, 9, 10);
  const Matrix<double> x = testing::path_queries(s, 300, 0.6, 11);
  VelocityOptions o = options(0.6);
  o.threads = 1;
  const VelocityField<double> one = velocity<double>(x, s, o);
  const VelocityField<float> one_f = velocity<float>(x.cast<float>(), s.cast<float>(), o);
  for (int threads : {2, 3, 4}) {
    o.threads = threads;
    const VelocityField<double> many = velocity<double>(x, s, o);
    EXPECT_TRUE(many.u == one.u && many.neff == one.neff) << threads << " threads";
    const VelocityField<float> many_f = velocity<float>(x.cast<float>(), s.cast<float>(), o);
    EXPECT_TRUE(many_f.u == one_f.u && many_f.neff == one_f.neff) << threads << " threads";
  }
}

TEST_P(VelocityEdges, RejectsBadInput) {
  const Matrix<double> s = normal_matrix(5, 3, 12), x = normal_matrix(4, 3, 13);
  const VelocityOptions o = options(0.5);
  EXPECT_THROW(velocity<double>(x, Matrix<double>(0, 3), o), Error);
  EXPECT_THROW(velocity<double>(Matrix<double>(0, 3), s, o), Error);
  EXPECT_THROW(velocity<double>(normal_matrix(4, 2, 14), s, o), Error);
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity()}) {
    Matrix<double> poisoned = s;
    poisoned(2, 1) = bad;
    EXPECT_THROW(velocity<double>(x, poisoned, o), Error);
    EXPECT_THROW(velocity<double>(poisoned.topRows(4), s, o), Error);
  }
  for (double t : {0.0, -0.5, 1.5, std::nan("")}) {
    VelocityOptions bad = o;
    bad.t = t;
    EXPECT_THROW(velocity<double>(x, s, bad), Error) << t;
  }
  VelocityOptions wrong_metric = o;
  wrong_metric.metric = Metric::mahalanobis(Matrix<double>::Identity(2, 2));
  EXPECT_THROW(velocity<double>(x, s, wrong_metric), Error);
  VelocityOptions negative_threads = o;
  negative_threads.threads = -1;
  EXPECT_THROW(velocity<double>(x, s, negative_threads), Error);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, VelocityEdges, ::testing::ValuesIn(backend_names()));

TEST(Velocity, UnknownBackendIsAnErrorNamingTheKnownOnes) {
  VelocityOptions o;
  o.backend = "nope";
  try {
    velocity<double>(normal_matrix(2, 2, 1), normal_matrix(2, 2, 2), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reference"), std::string::npos) << e.what();
  }
}

TEST(Metric, RejectsMatricesThatAreNotSpd) {
  EXPECT_THROW(Metric::mahalanobis(Matrix<double>(2, 3)), Error);
  EXPECT_THROW(Metric::mahalanobis(Matrix<double>(0, 0)), Error);
  Matrix<double> asym(2, 2);
  asym << 2, 1, 0, 2;
  EXPECT_THROW(Metric::mahalanobis(asym), Error);
  Matrix<double> indefinite(2, 2);
  indefinite << 1, 2, 2, 1;
  EXPECT_THROW(Metric::mahalanobis(indefinite), Error);
  Matrix<double> singular = Matrix<double>::Zero(2, 2);
  EXPECT_THROW(Metric::mahalanobis(singular), Error);
  Matrix<double> nan = Matrix<double>::Identity(2, 2);
  nan(0, 0) = std::nan("");
  EXPECT_THROW(Metric::mahalanobis(nan), Error);
  const Matrix<double> spd = testing::random_spd(4, 3);
  const Metric ok = Metric::mahalanobis(spd);
  const Matrix<double>& lower = ok.cholesky_lower();
  EXPECT_LE((lower * lower.transpose() - spd).cwiseAbs().maxCoeff(), 1e-12);
}

}  // namespace
}  // namespace kfm
