#include "regime_common.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <Eigen/Cholesky>
#include <fmt/format.h>

#include "kfm/error.hpp"
#include "kfm/metrics.hpp"
#include "kfm/velocity.hpp"

namespace kfm::regimes {

double time_for_bandwidth(double h, double sigma_min) {
  // h = sigma_t / t = 1 / t - (1 - sigma_min)  =>  t = 1 / (h + 1 - sigma_min).
  if (!std::isfinite(h) || !(h >= sigma_min))
    throw Error(fmt::format("bandwidth {} is below sigma_min = {}: no flow time has it", h,
                            sigma_min));
  return std::min(1.0, 1.0 / (h + (1.0 - sigma_min)));
}

namespace detail {

std::uint64_t generator_id(const std::string& name) {
  if (name == "gmm") return 1;
  if (name == "shells") return 2;
  if (name == "file") return 3;
  throw Error(fmt::format("unknown generator '{}' (known: gmm, shells)", name));
}

Rng task_rng(std::uint64_t seed, Experiment experiment, std::uint64_t generator, int d,
             int task) {
  std::uint64_t s = Rng::derive_seed(seed, static_cast<std::uint64_t>(experiment));
  s = Rng::derive_seed(s, generator);
  s = Rng::derive_seed(s, static_cast<std::uint64_t>(d));
  return Rng::stream(s, static_cast<std::uint64_t>(task));
}

Matrix<double> path_points(const Matrix<double>& x1, const Matrix<double>& x0,
                           const FlowTime& time) {
  return time.t() * x1 + time.sigma_t() * x0;
}

NwField nw_field(const Matrix<double>& queries, const Matrix<double>& support,
                 const FlowTime& time, const Metric& metric, const std::string& backend) {
  VelocityOptions options;
  options.t = time.t();
  options.sigma_min = time.sigma_min();
  options.metric = metric;
  options.backend = backend;
  options.want_neff = true;
  VelocityField<double> field = velocity<double>(queries, support, options);
  NwField out;
  // Invert the velocity's affine form u = (m_h - drift x) / sigma_t for m_h.
  out.local_mean = time.sigma_t() * field.u + time.drift() * queries;
  out.u = std::move(field.u);
  out.neff = std::move(field.neff);
  return out;
}

double mean_squared_distance(const Matrix<double>& a, const Matrix<double>& b) {
  return (a - b).rowwise().squaredNorm().mean();
}

double mean_squared_norm(const Matrix<double>& a) { return a.rowwise().squaredNorm().mean(); }

Matrix<double> regularized_covariance(const Matrix<double>& points, double ridge) {
  const Eigen::Index n = points.rows(), d = points.cols();
  if (n < 2) throw Error("whitening needs at least 2 support points");
  const Eigen::RowVectorXd mean = points.colwise().mean();
  const Matrix<double> centered = points.rowwise() - mean;
  Matrix<double> cov = centered.transpose() * centered / static_cast<double>(n - 1);
  const double level = cov.trace() / static_cast<double>(d);
  cov.diagonal().array() += ridge * (level > 0.0 ? level : 1.0);
  return 0.5 * (cov + cov.transpose());
}

Matrix<double> cholesky_lower(const Matrix<double>& spd) {
  Eigen::LLT<Matrix<double>> llt(spd);
  if (llt.info() != Eigen::Success) throw Error("covariance is not positive definite");
  return llt.matrixL();
}

Matrix<double> spd_inverse(const Matrix<double>& spd) {
  Eigen::LLT<Matrix<double>> llt(spd);
  if (llt.info() != Eigen::Success) throw Error("covariance is not positive definite");
  Matrix<double> inv = llt.solve(Matrix<double>::Identity(spd.rows(), spd.cols()));
  return 0.5 * (inv + inv.transpose());
}

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return std::nan("");
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

nlohmann::json summary(const std::vector<double>& values) {
  const size_t n = values.size();
  const double mean = mean_of(values);
  double ss = 0.0;
  for (double v : values) ss += (v - mean) * (v - mean);
  const double sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
  double half = 0.0;
  if (n > 1)
    half = student_t_quantile(0.975, static_cast<int>(n - 1)) * sd /
           std::sqrt(static_cast<double>(n));
  return {{"mean", mean}, {"sd", sd}, {"ci_low", mean - half}, {"ci_high", mean + half},
          {"n", n}};
}

nlohmann::json quantiles(const std::vector<double>& values) {
  if (values.empty()) return nlohmann::json::object();
  return {{"mean", mean_of(values)},      {"q05", quantile(values, 0.05)},
          {"q25", quantile(values, 0.25)}, {"q50", quantile(values, 0.5)},
          {"q75", quantile(values, 0.75)}, {"q95", quantile(values, 0.95)},
          {"n", values.size()}};
}

void report(const Common& common, const std::string& stage) {
  if (common.progress) common.progress(stage);
}

void check_times(const std::vector<double>& times, const char* what) {
  if (times.empty()) throw Error(fmt::format("{}: the t grid is empty", what));
  for (double t : times)
    if (!std::isfinite(t) || !(t > 0.0) || t > 1.0)
      throw Error(fmt::format("{}: t must be in (0, 1], got {}", what, t));
}

}  // namespace detail
}  // namespace kfm::regimes
