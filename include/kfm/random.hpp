#pragma once
// Seeded random numbers that are identical on every platform: std::mt19937_64
// is fully specified by the standard, but std::*_distribution are not, so the
// uniform, integer and normal draws are implemented here on top of its raw bits.
#include <cstdint>
#include <random>
#include <vector>

#include "kfm/matrix.hpp"

namespace kfm {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  // A seed for an independent stream `stream` derived from `seed` (SplitMix64
  // mixing), so per-task streams do not depend on how work is scheduled.
  static std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream);
  // Rng(derive_seed(seed, stream)).
  static Rng stream(std::uint64_t seed, std::uint64_t stream);

  std::uint64_t next_u64() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform in [lo, hi).
  double uniform(double lo, double hi);
  // Uniform integer in [lo, hi] (inclusive), unbiased (rejection sampling).
  // Throws kfm::Error if lo > hi.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  // Standard normal (Marsaglia polar method; the second variate is cached).
  double normal();
  // Matrix / vector of independent standard normals, filled row by row.
  Matrix<double> normal_matrix(Eigen::Index rows, Eigen::Index cols);
  Vector<double> normal_vector(Eigen::Index size);
  // A uniformly random permutation of 0..n-1 (Fisher-Yates).
  std::vector<Eigen::Index> permutation(Eigen::Index n);

  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace kfm
