#include "kfm/random.hpp"

#include <cmath>

#include <fmt/format.h>

#include "kfm/error.hpp"

namespace kfm {

Rng::Rng(std::uint64_t seed) : engine_(seed) {}

std::uint64_t Rng::derive_seed(std::uint64_t seed, std::uint64_t stream) {
  // SplitMix64 finalizer over (seed, stream): well-mixed, cheap, fully specified.
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Rng Rng::stream(std::uint64_t seed, std::uint64_t stream) {
  return Rng(derive_seed(seed, stream));
}

double Rng::uniform() {
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

std::int64_t Rng::uniform_int(std::int64_t lo, std::int64_t hi) {
  if (lo > hi) throw Error(fmt::format("uniform_int: empty range [{}, {}]", lo, hi));
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == ~std::uint64_t{0}) return static_cast<std::int64_t>(engine_());
  const std::uint64_t range = span + 1;
  // Reject the top partial block so every value is equally likely.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % range + 1) % range;
  std::uint64_t r;
  do r = engine_();
  while (r > limit);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + r % range);
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

Matrix<double> Rng::normal_matrix(Eigen::Index rows, Eigen::Index cols) {
  if (rows < 0 || cols < 0) throw Error("normal_matrix: negative size");
  Matrix<double> m(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c) m(r, c) = normal();
  return m;
}

Vector<double> Rng::normal_vector(Eigen::Index size) {
  if (size < 0) throw Error("normal_vector: negative size");
  Vector<double> v(size);
  for (Eigen::Index i = 0; i < size; ++i) v(i) = normal();
  return v;
}

std::vector<Eigen::Index> Rng::permutation(Eigen::Index n) {
  if (n < 0) throw Error("permutation: negative size");
  std::vector<Eigen::Index> p(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) p[size_t(i)] = i;
  for (Eigen::Index i = n - 1; i > 0; --i) {
    const auto j = static_cast<size_t>(uniform_int(0, i));
    std::swap(p[size_t(i)], p[j]);
  }
  return p;
}

}  // namespace kfm
