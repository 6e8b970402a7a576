// The identities of SPEC §1 as property tests on random data, for every
// registered backend (float64). Each side is computed independently in the test.
#include <gtest/gtest.h>

#include <cmath>

#include "accuracy.hpp"
#include "kfm/backend.hpp"
#include "kfm/flow_time.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

using testing::normal_matrix;
using testing::path_queries;

class Identities : public ::testing::TestWithParam<std::string> {
 protected:
  VelocityField<double> field(const Matrix<double>& x, const Matrix<double>& s, double t,
                              Metric metric = Metric::isotropic(), double sigma_min = 0.01) {
    VelocityOptions o;
    o.t = t;
    o.sigma_min = sigma_min;
    o.metric = std::move(metric);
    o.backend = GetParam();
    o.want_neff = true;
    return velocity<double>(x, s, o);
  }
};

// log p_t(x) with p_t = (1/m) sum_i N(x; t s_i, sigma_t^2 I), by log-sum-exp.
double log_marginal(const Eigen::RowVectorXd& x, const Matrix<double>& s, const FlowTime& time) {
  const double var = time.sigma_t() * time.sigma_t();
  std::vector<double> e(size_t(s.rows()));
  double top = -INFINITY;
  for (Eigen::Index i = 0; i < s.rows(); ++i) {
    e[size_t(i)] = -(x - time.t() * s.row(i)).squaredNorm() / (2 * var);
    top = std::max(top, e[size_t(i)]);
  }
  double sum = 0;
  for (double v : e) sum += std::exp(v - top);
  const double d = double(x.size());
  return top + std::log(sum / double(s.rows())) - 0.5 * d * std::log(2 * M_PI * var);
}

// Analytic gradient of log p_t: sum_i w_i (t s_i - x) / sigma_t^2.
Eigen::RowVectorXd grad_log_marginal(const Eigen::RowVectorXd& x, const Matrix<double>& s,
                                     const FlowTime& time) {
  const double var = time.sigma_t() * time.sigma_t();
  Eigen::VectorXd logits(s.rows());
  for (Eigen::Index i = 0; i < s.rows(); ++i)
    logits(i) = -(x - time.t() * s.row(i)).squaredNorm() / (2 * var);
  const Eigen::VectorXd w = (logits.array() - logits.maxCoeff()).exp();
  Eigen::RowVectorXd g = Eigen::RowVectorXd::Zero(x.size());
  for (Eigen::Index i = 0; i < s.rows(); ++i) g += w(i) * (time.t() * s.row(i) - x);
  return g / (w.sum() * var);
}

TEST_P(Identities, ScoreForm) {
  const Matrix<double> s = normal_matrix(40, 3, 11);
  for (double t : {0.1, 0.4, 0.7, 0.9}) {
    const FlowTime time(t, 0.01);
    const Matrix<double> x = path_queries(s, 12, t, 12);
    const VelocityField<double> f = field(x, s, t);
    for (Eigen::Index j = 0; j < x.rows(); ++j) {
      const Eigen::RowVectorXd g = grad_log_marginal(x.row(j), s, time);
      // The analytic gradient agrees with finite differences of log p_t.
      for (Eigen::Index c = 0; c < x.cols(); ++c) {
        Eigen::RowVectorXd hi = x.row(j), lo = x.row(j);
        const double step = 1e-5;
        hi(c) += step;
        lo(c) -= step;
        const double fd = (log_marginal(hi, s, time) - log_marginal(lo, s, time)) / (2 * step);
        EXPECT_NEAR(fd, g(c), 1e-5 * (1 + std::abs(g(c))));
      }
      const Eigen::RowVectorXd score_form = x.row(j) / t + (time.sigma_t() / t) * g;
      EXPECT_LE((f.u.row(j) - score_form).cwiseAbs().maxCoeff(), 1e-9 * (1 + score_form.norm()))
          << "t=" << t;
    }
  }
}

TEST_P(Identities, DescaledKdeHasBandwidthH) {
  // t^d p_t(t xt) = (1/m) sum_i N(xt; s_i, h^2 I): the marginal is a KDE at h(t).
  const Matrix<double> s = normal_matrix(25, 4, 21);
  for (double t : {0.05, 0.5, 1.0}) {
    const FlowTime time(t, 0.01);
    const double h = time.bandwidth();
    const Matrix<double> xt = normal_matrix(5, 4, 22);
    for (Eigen::Index j = 0; j < xt.rows(); ++j) {
      const double lhs = 4 * std::log(t) + log_marginal(t * xt.row(j), s, time);
      double kde = 0;
      for (Eigen::Index i = 0; i < s.rows(); ++i)
        kde += std::exp(-(xt.row(j) - s.row(i)).squaredNorm() / (2 * h * h));
      const double rhs = std::log(kde / 25.0) - 2.0 * std::log(2 * M_PI * h * h);
      EXPECT_NEAR(lhs, rhs, 1e-9 * (1 + std::abs(rhs)));
    }
  }
}

// m_h recovered from a velocity: m_h = sigma_t u + (1 - sigma_min) x.
Matrix<double> local_mean(const VelocityField<double>& f, const Matrix<double>& x,
                          const FlowTime& time) {
  return time.sigma_t() * f.u + time.drift() * x;
}

TEST_P(Identities, AttentionHeadComputesLocalMean) {
  // softmax(-|xt - s_i|^2 / 2h^2) attention with keys = values = s gives m_h,
  // and 1 / sum w^2 gives n_eff.
  const Matrix<double> s = normal_matrix(30, 5, 31);
  const double t = 0.6;
  const FlowTime time(t, 0.01);
  const Matrix<double> x = path_queries(s, 9, t, 32);
  const VelocityField<double> f = field(x, s, t);
  const Matrix<double> mh = local_mean(f, x, time);
  const double h = time.bandwidth();
  for (Eigen::Index j = 0; j < x.rows(); ++j) {
    Eigen::VectorXd logit(s.rows());
    for (Eigen::Index i = 0; i < s.rows(); ++i)
      logit(i) = -(x.row(j) / t - s.row(i)).squaredNorm() / (2 * h * h);
    Eigen::VectorXd w = (logit.array() - logit.maxCoeff()).exp();
    w /= w.sum();
    const Eigen::RowVectorXd expected = w.transpose() * s;
    EXPECT_LE((mh.row(j) - expected).cwiseAbs().maxCoeff(), 1e-9);
    EXPECT_NEAR(f.neff(j), 1.0 / w.squaredNorm(), 1e-9 * f.neff(j));
  }
}

TEST_P(Identities, FeatureLiftDotProductAttention) {
  // q = [xt/h, -|xt|^2/2h^2, 1], k_i = [s_i/h, 1, -|s_i|^2/2h^2]: q.k_i = logit_i,
  // and dot-product attention over these d+2 features computes the field.
  const Matrix<double> s = normal_matrix(20, 3, 41);
  const double t = 0.35;
  const FlowTime time(t, 0.01);
  const double h = time.bandwidth();
  const Matrix<double> x = path_queries(s, 7, t, 42);
  const VelocityField<double> f = field(x, s, t);
  for (Eigen::Index j = 0; j < x.rows(); ++j) {
    const Eigen::RowVectorXd xt = x.row(j) / t;
    Eigen::VectorXd q(5);
    q << (xt / h).transpose(), -xt.squaredNorm() / (2 * h * h), 1.0;
    Eigen::VectorXd dots(s.rows());
    for (Eigen::Index i = 0; i < s.rows(); ++i) {
      Eigen::VectorXd k(5);
      k << (s.row(i) / h).transpose(), 1.0, -s.row(i).squaredNorm() / (2 * h * h);
      dots(i) = q.dot(k);
      const double logit = -(xt - s.row(i)).squaredNorm() * time.logit_scale();
      EXPECT_NEAR(dots(i), logit, 1e-9 * (1 + std::abs(logit)));
    }
    Eigen::VectorXd w = (dots.array() - dots.maxCoeff()).exp();
    w /= w.sum();
    const Eigen::RowVectorXd u = ((w.transpose() * s) - time.drift() * x.row(j)) / time.sigma_t();
    EXPECT_LE((f.u.row(j) - u).cwiseAbs().maxCoeff(), 1e-9 * (1 + u.norm()));
  }
}

TEST_P(Identities, MahalanobisIsIsotropicOnTransformedPoints) {
  const Eigen::Index d = 4;
  const Matrix<double> s = normal_matrix(30, d, 51);
  const Matrix<double> m = testing::random_spd(d, 52);
  const Metric metric = Metric::mahalanobis(m);
  const double t = 0.5;
  const FlowTime time(t, 0.01);
  const Matrix<double> x = path_queries(s, 8, t, 53);
  const VelocityField<double> aniso = field(x, s, t, metric);
  for (Eigen::Index j = 0; j < x.rows(); ++j) {
    // Weights from (xt - s)^T M (xt - s), the mean over the ORIGINAL support points.
    Eigen::VectorXd logit(s.rows());
    for (Eigen::Index i = 0; i < s.rows(); ++i) {
      const Eigen::RowVectorXd diff = x.row(j) / t - s.row(i);
      logit(i) = -(diff * m * diff.transpose())(0, 0) * time.logit_scale();
    }
    Eigen::VectorXd w = (logit.array() - logit.maxCoeff()).exp();
    w /= w.sum();
    const Eigen::RowVectorXd u = ((w.transpose() * s) - time.drift() * x.row(j)) / time.sigma_t();
    EXPECT_LE((aniso.u.row(j) - u).cwiseAbs().maxCoeff(), 1e-9 * (1 + u.norm()));
  }
  // The same weights as the isotropic kernel on L^T-mapped points: the local means
  // in mapped coordinates are the mapped local means.
  const Matrix<double>& lower = metric.cholesky_lower();
  const VelocityField<double> iso = field(x * lower, s * lower, t);
  const Matrix<double> mapped_mean = local_mean(aniso, x, time) * lower;
  const Matrix<double> iso_mean = local_mean(iso, x * lower, time);
  EXPECT_LE((mapped_mean - iso_mean).cwiseAbs().maxCoeff(), 1e-9 * (1 + iso_mean.norm()));
  EXPECT_LE((aniso.neff - iso.neff).cwiseAbs().maxCoeff(), 1e-9 * aniso.neff.maxCoeff());
}

TEST_P(Identities, BothFormsOfVelocityAgreeAwayFromEdges) {
  // Paper's form xt + (m_h - xt) / sigma_t equals the cancellation-free form.
  const Matrix<double> s = normal_matrix(50, 6, 61);
  for (double t : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    const FlowTime time(t, 0.01);
    const Matrix<double> x = path_queries(s, 10, t, 62);
    const VelocityField<double> f = field(x, s, t);
    const Matrix<double> xt = x / t;
    const Matrix<double> paper = xt + (local_mean(f, x, time) - xt) / time.sigma_t();
    EXPECT_LE(testing::velocity_error(f.u, paper), 1e-12 * (1 + 1 / t)) << "t=" << t;
  }
}

TEST_P(Identities, TranslationEquivariance) {
  // Shifting the support by c and the queries by t c shifts u by exactly c.
  const Matrix<double> s = normal_matrix(30, 3, 71);
  const double t = 0.8;
  const Matrix<double> x = path_queries(s, 10, t, 72);
  const Eigen::RowVectorXd c = normal_matrix(1, 3, 73, 100.0);
  const VelocityField<double> base = field(x, s, t);
  const VelocityField<double> moved = field(x.rowwise() + t * c, s.rowwise() + c, t);
  EXPECT_LE(testing::velocity_error(moved.u.rowwise() - c, base.u), 1e-9);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, Identities, ::testing::ValuesIn(backend_names()));

}  // namespace
}  // namespace kfm
