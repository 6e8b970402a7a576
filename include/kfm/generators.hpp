#pragma once
// Synthetic data generators of SPEC §4 (seeded, reproducible) and tasks:
// a support of m points plus held-out targets, from one draw of a generator.
#include <vector>

#include "kfm/matrix.hpp"
#include "kfm/random.hpp"

namespace kfm {

// SPEC §4 `gmm`: K ~ Uniform{k_min..k_max}, uniform weights, means ~ N(0, mean_scale^2 I),
// Sigma_k = cov_scale F F^T + 0.1 I with F a d x d matrix of N(0, 0.5^2) entries.
struct GmmParams {
  int k_min = 2, k_max = 8;
  double mean_scale = 5.0;
  double cov_scale = 1.0;
};

struct GaussianMixture {
  std::vector<double> weights;          // K, sum to 1
  std::vector<Vector<double>> means;    // K of d
  std::vector<Matrix<double>> covs;     // K of d x d, symmetric positive definite

  Eigen::Index dim() const { return means.empty() ? 0 : means.front().size(); }
  int components() const { return static_cast<int>(weights.size()); }
  // n x d independent draws (component by the weights, then mu_k + chol(Sigma_k) z).
  Matrix<double> sample(Eigen::Index n, Rng& rng) const;
};

// Throws kfm::Error on d < 1 or invalid parameters (k_min < 1, k_min > k_max,
// non-positive or non-finite scales).
GaussianMixture make_gmm(int d, const GmmParams& params, Rng& rng);

// SPEC §4 `shells`: K ~ Uniform{k_min..k_max} concentric shells at the origin with
// radii uniform in [1, radius_scale]; a point is r_k u + N(0, noise^2 I), u uniform
// on the unit sphere, shell k chosen uniformly.
struct ShellsParams {
  int k_min = 2, k_max = 5;
  double radius_scale = 5.0;
  double noise = 0.3;
};

struct Shells {
  int d = 0;
  std::vector<double> radii;  // K radii
  double noise = 0.3;

  Eigen::Index dim() const { return d; }
  int components() const { return static_cast<int>(radii.size()); }
  Matrix<double> sample(Eigen::Index n, Rng& rng) const;
  // min_k | ||x|| - r_k |: how far x is from the data manifold.
  double distance_to_nearest_shell(const Vector<double>& x) const;
};

// Throws kfm::Error on d < 1 or invalid parameters (radius_scale < 1, noise < 0, ...).
Shells make_shells(int d, const ShellsParams& params, Rng& rng);

// A task: the support the flow is conditioned on, and held-out targets.
struct Task {
  Matrix<double> support;  // m x d
  Matrix<double> targets;  // n x d
};

// Random support of m rows from `points`, the remaining rows are the targets
// (the `file` generator: the user's own points). Throws kfm::Error unless
// 1 <= m <= rows (m == rows leaves no targets: targets is 0 x d).
Task split_task(const Matrix<double>& points, Eigen::Index m, Rng& rng);

// One draw from the generator: m support points and n independent targets.
// Throws kfm::Error unless m >= 1 and n >= 0.
Task make_task(const GaussianMixture& gmm, Eigen::Index m, Eigen::Index n, Rng& rng);
Task make_task(const Shells& shells, Eigen::Index m, Eigen::Index n, Rng& rng);

}  // namespace kfm
