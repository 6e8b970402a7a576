#include "inputs.hpp"

#include <cmath>
#include <numbers>
#include <random>

namespace kfm::bench {
namespace {

constexpr std::uint64_t kSeedBase = 0x6b666d2d62656e63ULL;  // "kfm-benc"

// Uniform in (0, 1], from the top 53 bits.
double uniform_open0(std::mt19937_64& rng) {
  return (double(rng() >> 11) + 1.0) * 0x1.0p-53;
}

std::uint64_t seed_for(std::uint64_t role, Eigen::Index d) {
  return kSeedBase ^ (role << 32) ^ std::uint64_t(d);
}

}  // namespace

Matrix<double> normal_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Matrix<double> out(rows, cols);
  double* p = out.data();
  const Eigen::Index size = out.size();
  for (Eigen::Index i = 0; i < size; i += 2) {
    const double radius = std::sqrt(-2.0 * std::log(uniform_open0(rng)));
    const double angle = 2.0 * std::numbers::pi * uniform_open0(rng);
    p[i] = radius * std::cos(angle);
    if (i + 1 < size) p[i + 1] = radius * std::sin(angle);
  }
  return out;
}

Matrix<double> benchmark_queries(Eigen::Index n, Eigen::Index d) {
  return normal_matrix(n, d, seed_for(1, d));
}

Matrix<double> benchmark_support(Eigen::Index m, Eigen::Index d) {
  return normal_matrix(m, d, seed_for(2, d));
}

Matrix<double> benchmark_metric(Eigen::Index d) {
  const Matrix<double> a = normal_matrix(d, d, seed_for(3, d));
  Matrix<double> metric = a * a.transpose() / double(d);
  metric.diagonal().array() += 1.0;
  return 0.5 * (metric + metric.transpose());
}

}  // namespace kfm::bench
