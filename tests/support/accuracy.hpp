#pragma once
// The accuracy contract of include/kfm/velocity.hpp as test helpers, and the
// adversarial inputs every backend must survive.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kfm/flow_time.hpp"
#include "kfm/matrix.hpp"
#include "kfm/metric.hpp"

namespace kfm::testing {

// Contract bounds.
inline constexpr double kF64Bound = 1e-9;
inline constexpr double kF32Bound = 3e-4;

// Deterministic N(mean, sd^2) entries (Box-Muller on mt19937_64).
inline Matrix<double> normal_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed,
                                    double sd = 1.0, double mean = 0.0) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return (double(rng() >> 11) + 0.5) * 0x1.0p-53; };
  Matrix<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    m.data()[i] = mean + sd * r * std::cos(2.0 * M_PI * uniform());
  }
  return m;
}

// A random symmetric positive-definite metric with condition number of order 10.
inline Matrix<double> random_spd(Eigen::Index d, std::uint64_t seed) {
  const Matrix<double> a = normal_matrix(d, d, seed);
  return a * a.transpose() / double(d) + 0.3 * Matrix<double>::Identity(d, d);
}

// max|U - U_ref| / (1 + max|U_ref|)
inline double velocity_error(const Matrix<double>& u, const Matrix<double>& ref) {
  return (u - ref).cwiseAbs().maxCoeff() / (1.0 + ref.cwiseAbs().maxCoeff());
}

// max_j |neff_j - ref_j| / ref_j / (1 + |L_j|) where weights are given; pass an
// empty `max_logit` for the plain relative error (the float64 contract).
inline double neff_error(const Vector<double>& neff, const Vector<double>& ref,
                         const Vector<double>& max_logit = {}) {
  double worst = 0.0;
  for (Eigen::Index j = 0; j < ref.size(); ++j) {
    double e = std::abs(neff(j) - ref(j)) / ref(j);
    if (max_logit.size()) e /= 1.0 + std::abs(max_logit(j));
    worst = std::max(worst, e);
  }
  return worst;
}

// L_j = max_i -(x_j/t - s_i)^T M (x_j/t - s_i) / (2 h^2), computed independently in double.
inline Vector<double> max_logits(const Matrix<double>& x, const Matrix<double>& s,
                                 const FlowTime& time, const Metric& metric) {
  Vector<double> out(x.rows());
  for (Eigen::Index j = 0; j < x.rows(); ++j) {
    double best = -INFINITY;
    for (Eigen::Index i = 0; i < s.rows(); ++i) {
      Eigen::RowVectorXd diff = x.row(j) / time.t() - s.row(i);
      if (!metric.is_isotropic()) diff = diff * metric.cholesky_lower();
      best = std::max(best, -diff.squaredNorm() * time.logit_scale());
    }
    out(j) = best;
  }
  return out;
}

// One adversarial input: queries, support and the flow time.
struct Case {
  std::string name;
  Matrix<double> queries, support;
  double t;
  double sigma_min = 0.01;
};

inline std::string case_name(const Case& c) { return c.name; }

// Queries on the path at time t: x = t * x1 + sigma_t * x0, x1 near the support.
inline Matrix<double> path_queries(const Matrix<double>& support, Eigen::Index n, double t,
                                   std::uint64_t seed, double sigma_min = 0.01) {
  const FlowTime time(t, sigma_min);
  const Matrix<double> noise = normal_matrix(n, support.cols(), seed);
  Matrix<double> x(n, support.cols());
  for (Eigen::Index j = 0; j < n; ++j)
    x.row(j) = t * support.row(j % support.rows()) + time.sigma_t() * noise.row(j);
  return x;
}

// The adversarial suite: random data at every regime of t, far from the origin,
// tight clusters, duplicates, m = 1, d = 1, sizes that are not tile multiples.
inline std::vector<Case> adversarial_cases() {
  std::vector<Case> cases;
  std::uint64_t seed = 1;
  for (double t : {1e-4, 0.05, 0.5, 0.95, 1.0}) {
    for (Eigen::Index d : {1, 2, 7, 16, 33}) {
      Matrix<double> s = normal_matrix(37, d, seed++);
      cases.push_back({"normal_t" + std::to_string(t) + "_d" + std::to_string(d),
                       path_queries(s, 19, t, seed++), s, t});
    }
    // Coordinates of 1e3: a unit cloud centred at 1e3 in every coordinate.
    Matrix<double> far = normal_matrix(41, 5, seed++, 1.0, 1e3);
    cases.push_back({"far1e3_t" + std::to_string(t), path_queries(far, 17, t, seed++), far, t});
    // Data of scale 1e3 around the origin.
    Matrix<double> wide = normal_matrix(41, 3, seed++, 1e3);
    cases.push_back({"scale1e3_t" + std::to_string(t), path_queries(wide, 17, t, seed++), wide, t});
    // Tight clusters: three clusters of radius 1e-3 at distance ~5.
    Matrix<double> tight = normal_matrix(60, 4, seed++, 1e-3);
    const Matrix<double> centres = normal_matrix(3, 4, seed++, 5.0);
    for (Eigen::Index i = 0; i < tight.rows(); ++i) tight.row(i) += centres.row(i % 3);
    cases.push_back({"tight_t" + std::to_string(t), path_queries(tight, 17, t, seed++), tight, t});
    // The same clusters with centres 1e3 from the origin.
    const Matrix<double> far_centres = normal_matrix(3, 4, seed++, 1e3);
    Matrix<double> tight_far = normal_matrix(60, 4, seed++, 1e-3);
    for (Eigen::Index i = 0; i < tight_far.rows(); ++i) tight_far.row(i) += far_centres.row(i % 3);
    cases.push_back({"tight_far_t" + std::to_string(t), path_queries(tight_far, 17, t, seed++),
                     tight_far, t});
    // Duplicated rows: every support point twice, queries exactly at support points.
    Matrix<double> base = normal_matrix(20, 6, seed++);
    Matrix<double> dup(40, 6);
    dup << base, base;
    cases.push_back({"duplicates_t" + std::to_string(t), t * base.topRows(9), dup, t});
    // m = 1.
    Matrix<double> one = normal_matrix(1, 8, seed++);
    cases.push_back({"m1_t" + std::to_string(t), normal_matrix(5, 8, seed++), one, t});
  }
  // Sizes that straddle typical tile sizes.
  Matrix<double> big = normal_matrix(531, 19, seed++);
  cases.push_back({"tiles_t0.3", path_queries(big, 67, 0.3, seed++), big, 0.3});
  // n = 1, d = 1, m = 1 and sigma_min = 1.
  cases.push_back({"all1", normal_matrix(1, 1, seed++), normal_matrix(1, 1, seed++), 0.7, 1.0});
  for (auto& c : cases)
    std::replace(c.name.begin(), c.name.end(), '.', '_');
  return cases;
}

}  // namespace kfm::testing
