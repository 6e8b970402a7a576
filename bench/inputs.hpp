#pragma once
// Seeded, reproducible benchmark inputs: X, S ~ N(0, I), and a fixed SPD metric.
// Normals come from our own Box-Muller on std::mt19937_64 (std::normal_distribution
// is implementation-defined), and rows are generated in order, so the n = 256
// queries are the first 256 rows of the n = 8192 ones for the same d.
#include <cstdint>

#include "kfm/matrix.hpp"

namespace kfm::bench {

// rows x cols standard normal entries from `seed`.
Matrix<double> normal_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed);

// The inputs of every case of dimension d.
Matrix<double> benchmark_queries(Eigen::Index n, Eigen::Index d);  // X
Matrix<double> benchmark_support(Eigen::Index m, Eigen::Index d);  // S
// M = I + A A^T / d with A ~ N(0, 1): symmetric positive definite, condition ~ a few.
Matrix<double> benchmark_metric(Eigen::Index d);

}  // namespace kfm::bench
