#pragma once
// Internal helpers shared by the regime experiments (src/lib/regime_*.cpp):
// seeding, the path's query points, one NW field evaluation, summaries.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <oneapi/tbb/parallel_for.h>

#include "kfm/flow_time.hpp"
#include "kfm/matrix.hpp"
#include "kfm/metric.hpp"
#include "kfm/random.hpp"
#include "kfm/regimes.hpp"

namespace kfm::regimes::detail {

// Stream ids of the experiments and generators, recorded in the JSON "seeds".
enum class Experiment : std::uint64_t { collapse = 1, mismatch = 2, scarcity = 3, data = 4 };
std::uint64_t generator_id(const std::string& name);  // gmm 1, shells 2, file 3

// The Rng of one task: derive_seed chained over (seed, experiment, generator, d, task).
Rng task_rng(std::uint64_t seed, Experiment experiment, std::uint64_t generator, int d,
             int task);

// Points on the path x_t = t x1 + sigma_t x0 (rows); x0 are the noise rows
// (N(0, I), or N(0, C) already multiplied by a factor of C).
Matrix<double> path_points(const Matrix<double>& x1, const Matrix<double>& x0,
                           const FlowTime& time);

// The plug-in field at time t: velocity, n_eff and the NW local mean m_h.
struct NwField {
  Matrix<double> u;
  Matrix<double> local_mean;
  Vector<double> neff;
};
NwField nw_field(const Matrix<double>& queries, const Matrix<double>& support,
                 const FlowTime& time, const Metric& metric, const std::string& backend);

// mean over rows of |a_i - b_i|^2, and of |a_i|^2.
double mean_squared_distance(const Matrix<double>& a, const Matrix<double>& b);
double mean_squared_norm(const Matrix<double>& a);

// Cov(points) + ridge * tr(Cov)/d * I (population normalization 1/(n-1)).
Matrix<double> regularized_covariance(const Matrix<double>& points, double ridge);
// Lower Cholesky factor of an SPD matrix (throws kfm::Error otherwise).
Matrix<double> cholesky_lower(const Matrix<double>& spd);
// Its inverse, the whitening metric M = Cov_reg^-1.
Matrix<double> spd_inverse(const Matrix<double>& spd);

// Mean, sd and 95% Student-t interval of the mean across tasks.
nlohmann::json summary(const std::vector<double>& values);
// q05, q25, q50, q75, q95 (type 7) of pooled values, plus the mean.
nlohmann::json quantiles(const std::vector<double>& values);
double mean_of(const std::vector<double>& values);

// Runs body(task) for task in [0, tasks) in parallel; callers write results
// into per-task slots and reduce them in index order (thread-count independent).
template <class Body>
void for_each_task(int tasks, const Body& body) {
  tbb::parallel_for(0, tasks, [&](int task) { body(task); });
}

void report(const Common& common, const std::string& stage);
void check_times(const std::vector<double>& times, const char* what);

}  // namespace kfm::regimes::detail
