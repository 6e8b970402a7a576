#include "kfm/generators.hpp"

#include <cmath>
#include <limits>

#include <Eigen/Cholesky>
#include <fmt/format.h>

#include "kfm/error.hpp"

namespace kfm {
namespace {

void check_dim(int d) {
  if (d < 1) throw Error(fmt::format("dimension must be >= 1, got {}", d));
}

void check_components(int k_min, int k_max) {
  if (k_min < 1 || k_min > k_max)
    throw Error(fmt::format("component range must satisfy 1 <= k_min <= k_max, got {}..{}",
                            k_min, k_max));
}

void check_positive(double value, const char* what) {
  if (!std::isfinite(value) || !(value > 0.0))
    throw Error(fmt::format("{} must be positive and finite, got {}", what, value));
}

// Index k with probability weights[k] (weights sum to 1).
size_t draw_component(const std::vector<double>& weights, Rng& rng) {
  const double u = rng.uniform();
  double cumulative = 0.0;
  for (size_t k = 0; k + 1 < weights.size(); ++k) {
    cumulative += weights[k];
    if (u < cumulative) return k;
  }
  return weights.size() - 1;
}

}  // namespace

Matrix<double> GaussianMixture::sample(Eigen::Index n, Rng& rng) const {
  if (n < 0) throw Error(fmt::format("sample count must be >= 0, got {}", n));
  if (weights.empty()) throw Error("Gaussian mixture has no components");
  const Eigen::Index d = dim();
  std::vector<Matrix<double>> lower;
  lower.reserve(covs.size());
  for (const auto& cov : covs) {
    Eigen::LLT<Matrix<double>> llt(cov);
    if (llt.info() != Eigen::Success)
      throw Error("Gaussian mixture covariance is not positive definite");
    lower.emplace_back(llt.matrixL());
  }
  Matrix<double> points(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    const size_t k = draw_component(weights, rng);
    const Vector<double> z = rng.normal_vector(d);
    points.row(i) = (means[k] + lower[k] * z).transpose();
  }
  return points;
}

GaussianMixture make_gmm(int d, const GmmParams& params, Rng& rng) {
  check_dim(d);
  check_components(params.k_min, params.k_max);
  check_positive(params.mean_scale, "mean_scale");
  check_positive(params.cov_scale, "cov_scale");
  const auto k = static_cast<int>(rng.uniform_int(params.k_min, params.k_max));
  GaussianMixture gmm;
  gmm.weights.assign(static_cast<size_t>(k), 1.0 / k);
  for (int c = 0; c < k; ++c) gmm.means.push_back(params.mean_scale * rng.normal_vector(d));
  for (int c = 0; c < k; ++c) {
    const Matrix<double> f = 0.5 * rng.normal_matrix(d, d);
    Matrix<double> cov = params.cov_scale * (f * f.transpose());
    cov.diagonal().array() += 0.1;
    gmm.covs.push_back(0.5 * (cov + cov.transpose()));  // exactly symmetric
  }
  return gmm;
}

Matrix<double> Shells::sample(Eigen::Index n, Rng& rng) const {
  if (n < 0) throw Error(fmt::format("sample count must be >= 0, got {}", n));
  if (radii.empty()) throw Error("shells have no radii");
  Matrix<double> points(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(rng.uniform_int(0, components() - 1));
    Vector<double> u = rng.normal_vector(d);
    double norm = u.norm();
    while (!(norm > 0.0)) {  // measure zero, but never divide by 0
      u = rng.normal_vector(d);
      norm = u.norm();
    }
    const Vector<double> noise_draw = rng.normal_vector(d);
    points.row(i) = (radii[k] / norm * u + noise * noise_draw).transpose();
  }
  return points;
}

double Shells::distance_to_nearest_shell(const Vector<double>& x) const {
  if (x.size() != d)
    throw Error(fmt::format("point has {} coordinates but the shells live in {}", x.size(), d));
  if (radii.empty()) throw Error("shells have no radii");
  const double r = x.norm();
  double best = std::numeric_limits<double>::infinity();
  for (double radius : radii) best = std::min(best, std::abs(r - radius));
  return best;
}

Shells make_shells(int d, const ShellsParams& params, Rng& rng) {
  check_dim(d);
  check_components(params.k_min, params.k_max);
  if (!std::isfinite(params.radius_scale) || params.radius_scale < 1.0)
    throw Error(fmt::format("radius_scale must be >= 1, got {}", params.radius_scale));
  if (!std::isfinite(params.noise) || params.noise < 0.0)
    throw Error(fmt::format("shell noise must be >= 0, got {}", params.noise));
  Shells shells;
  shells.d = d;
  shells.noise = params.noise;
  const auto k = static_cast<int>(rng.uniform_int(params.k_min, params.k_max));
  for (int c = 0; c < k; ++c) shells.radii.push_back(rng.uniform(1.0, params.radius_scale));
  return shells;
}

Task split_task(const Matrix<double>& points, Eigen::Index m, Rng& rng) {
  if (m < 1 || m > points.rows())
    throw Error(fmt::format("support size must be between 1 and the {} available points, got {}",
                            points.rows(), m));
  const auto order = rng.permutation(points.rows());
  Task task;
  task.support.resize(m, points.cols());
  task.targets.resize(points.rows() - m, points.cols());
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    const Eigen::Index src = order[size_t(i)];
    if (i < m)
      task.support.row(i) = points.row(src);
    else
      task.targets.row(i - m) = points.row(src);
  }
  return task;
}

namespace {
template <class Generator>
Task draw_task(const Generator& generator, Eigen::Index m, Eigen::Index n, Rng& rng) {
  if (m < 1) throw Error(fmt::format("support size must be >= 1, got {}", m));
  if (n < 0) throw Error(fmt::format("target count must be >= 0, got {}", n));
  Task task;
  task.support = generator.sample(m, rng);
  task.targets = generator.sample(n, rng);
  return task;
}
}  // namespace

Task make_task(const GaussianMixture& gmm, Eigen::Index m, Eigen::Index n, Rng& rng) {
  return draw_task(gmm, m, n, rng);
}

Task make_task(const Shells& shells, Eigen::Index m, Eigen::Index n, Rng& rng) {
  return draw_task(shells, m, n, rng);
}

}  // namespace kfm
