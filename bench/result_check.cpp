#include "result_check.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include <fmt/format.h>

#include "kfm/flow_time.hpp"

namespace kfm::bench {
namespace {

// Tolerances of the accuracy contract (include/kfm/velocity.hpp).
template <class T>
constexpr double kVelocityTolerance = std::is_same_v<T, float> ? 3e-4 : 1e-9;
template <class T>
constexpr double kNeffTolerance = std::is_same_v<T, float> ? 3e-4 : 1e-9;

Matrix<double> pick_rows(const Matrix<double>& m, const std::vector<Eigen::Index>& rows) {
  Matrix<double> out(Eigen::Index(rows.size()), m.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(Eigen::Index(i)) = m.row(rows[i]);
  return out;
}

}  // namespace

ReferenceSample reference_sample(const Matrix<double>& queries, const Matrix<double>& support,
                                 VelocityOptions options, int count) {
  ReferenceSample sample;
  const Eigen::Index n = queries.rows();
  const Eigen::Index k = std::min<Eigen::Index>(count, n);
  for (Eigen::Index i = 0; i < k; ++i)
    sample.rows.push_back(k == 1 ? 0 : i * (n - 1) / (k - 1));
  const Matrix<double> picked = pick_rows(queries, sample.rows);

  options.backend = "reference";
  options.want_neff = true;
  options.threads = 0;
  VelocityField<double> ref = velocity<double>(picked, support, options);
  sample.u = std::move(ref.u);
  sample.neff = std::move(ref.neff);

  // Largest logit per row, in the kernel's coordinates (the metric's map).
  const FlowTime time(options.t, options.sigma_min);
  Matrix<double> q = picked / options.t;
  Matrix<double> s = support;
  if (!options.metric.is_isotropic()) {
    q = options.metric.to_kernel_space(q);
    s = options.metric.to_kernel_space(s);
  }
  sample.max_logit.resize(k);
  for (Eigen::Index j = 0; j < k; ++j)
    sample.max_logit(j) =
        -time.logit_scale() * (s.rowwise() - q.row(j)).rowwise().squaredNorm().minCoeff();
  return sample;
}

ReferenceSample rows_below(const ReferenceSample& sample, Eigen::Index limit) {
  ReferenceSample out;
  std::vector<Eigen::Index> kept;  // positions in `sample`
  for (std::size_t i = 0; i < sample.rows.size(); ++i)
    if (sample.rows[i] < limit) kept.push_back(Eigen::Index(i));
  const auto k = Eigen::Index(kept.size());
  out.u.resize(k, sample.u.cols());
  out.neff.resize(k);
  out.max_logit.resize(k);
  for (Eigen::Index j = 0; j < k; ++j) {
    out.rows.push_back(sample.rows[std::size_t(kept[std::size_t(j)])]);
    out.u.row(j) = sample.u.row(kept[std::size_t(j)]);
    out.neff(j) = sample.neff(kept[std::size_t(j)]);
    out.max_logit(j) = sample.max_logit(kept[std::size_t(j)]);
  }
  return out;
}

template <class T>
CheckOutcome check_against_reference(const ReferenceSample& sample, const Matrix<T>& u,
                                     const Vector<T>* neff) {
  CheckOutcome out;
  double max_diff = 0.0, max_ref = 0.0;
  bool finite = true;
  for (std::size_t i = 0; i < sample.rows.size(); ++i) {
    const Eigen::Index row = sample.rows[i];
    if (row >= u.rows() || u.cols() != sample.u.cols()) {
      out.ok = false;
      out.message = fmt::format("result check failed: velocity has shape {}x{}, expected {} columns",
                                u.rows(), u.cols(), sample.u.cols());
      return out;
    }
    for (Eigen::Index c = 0; c < u.cols(); ++c) {
      const double got = double(u(row, c)), want = sample.u(Eigen::Index(i), c);
      finite = finite && std::isfinite(got);
      max_diff = std::max(max_diff, std::abs(got - want));
      max_ref = std::max(max_ref, std::abs(want));
    }
    if (neff) {
      const double got = double((*neff)(row)), want = sample.neff(Eigen::Index(i));
      finite = finite && std::isfinite(got);
      double rel = std::abs(got - want) / want;
      if constexpr (std::is_same_v<T, float>) rel /= 1.0 + std::abs(sample.max_logit(Eigen::Index(i)));
      out.neff_err = std::max(out.neff_err, rel);
    }
  }
  out.u_err = max_diff / (1.0 + max_ref);
  if (!finite) {
    out.ok = false;
    out.message = "result check failed: non-finite value in the backend's output";
  } else if (!(out.u_err <= kVelocityTolerance<T>)) {
    out.ok = false;
    out.message = fmt::format(
        "result check failed: err(U) = {:.3g} > {:.0e} vs the reference on {} sampled queries",
        out.u_err, kVelocityTolerance<T>, sample.rows.size());
  } else if (!(out.neff_err <= kNeffTolerance<T>)) {
    out.ok = false;
    out.message = fmt::format(
        "result check failed: err(n_eff) = {:.3g} > {:.0e} vs the reference on {} sampled queries",
        out.neff_err, kNeffTolerance<T>, sample.rows.size());
  }
  return out;
}

template CheckOutcome check_against_reference(const ReferenceSample&, const Matrix<float>&,
                                              const Vector<float>*);
template CheckOutcome check_against_reference(const ReferenceSample&, const Matrix<double>&,
                                              const Vector<double>*);

}  // namespace kfm::bench
