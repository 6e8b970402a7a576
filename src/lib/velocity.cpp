#include "kfm/velocity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <oneapi/tbb/task_arena.h>

#include "kfm/backend.hpp"
#include "kfm/error.hpp"
#include "kfm/flow_time.hpp"
#include "kfm/interrupt.hpp"
#include "kfm/limits.hpp"

namespace kfm {
namespace {

template <class T>
void require_finite(const Matrix<T>& m, const char* what) {
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      if (!std::isfinite(m(r, c)))
        throw Error(fmt::format("{} contain a non-finite value ({}) at row {}, column {}", what,
                                static_cast<double>(m(r, c)), r, c));
}

template <class T>
void validate(const Matrix<T>& queries, const Matrix<T>& support, const VelocityOptions& o) {
  if (support.rows() == 0 || support.cols() == 0)
    throw Error("support is empty: it needs at least one row and one column");
  if (queries.rows() == 0 || queries.cols() == 0)
    throw Error("queries are empty: they need at least one row and one column");
  if (queries.cols() != support.cols())
    throw Error(fmt::format("queries have {} columns but support has {}", queries.cols(),
                            support.cols()));
  if (!o.metric.is_isotropic() && o.metric.dim() != support.cols())
    throw Error(fmt::format("metric is {}x{} but the points have {} columns", o.metric.dim(),
                            o.metric.dim(), support.cols()));
  if (o.threads < 0) throw Error(fmt::format("threads must be >= 0, got {}", o.threads));
  require_finite(support, "support");
  require_finite(queries, "queries");
}

// Memory this call allocates besides its inputs: x / t, the kernel-space copies
// for a metric, the output and one query block; checked before allocating.
template <class T>
void require_velocity_memory(Eigen::Index n, Eigen::Index m, Eigen::Index d, bool metric) {
  const auto un = static_cast<std::size_t>(n), um = static_cast<std::size_t>(m),
             ud = static_cast<std::size_t>(d);
  const std::string what = fmt::format("the velocity of {} queries against {} support points in "
                                       "{} dimensions", n, m, d);
  const std::size_t query_copies = metric ? 3 : 2;
  const std::size_t elements = checked_product({un, ud, query_copies}, what) +
                               (metric ? checked_product({um, ud}, what) : 0) + un;
  require_memory(checked_product({elements, sizeof(T)}, what), what);
}

// Rejects inputs whose squared distances |q - k|^2 the precision T cannot
// hold: with c the centre of the keys' bounding box, |q - k|^2 <= d (R + S)^2
// where R = max |q - c| and S = max |k - c| (largest coordinates). That bound
// must stay well inside T's range (backends centre the data, so a large common
// offset is fine); otherwise distances, GEMM-form terms and results would be
// inf/NaN or silently wrong. The logits themselves (times 1 / (2 h^2)) may
// exceed T's range: backends form the logits that matter in double.
// Computed in double.
template <class T>
void require_representable(const Matrix<T>& q, const Matrix<T>& keys, double scale) {
  const char* type = sizeof(T) == 4 ? "float32" : "float64";
  const char* remedy = sizeof(T) == 4 ? "; rescale the data or use float64" : "; rescale the data";
  if (!std::isfinite(scale))
    throw Error(fmt::format("the kernel bandwidth h = sigma_t / t is too small for {} (1 / (2 h^2) "
                            "overflows); increase sigma_min", type));
  const Eigen::RowVectorXd low = keys.template cast<double>().colwise().minCoeff();
  const Eigen::RowVectorXd high = keys.template cast<double>().colwise().maxCoeff();
  const Eigen::RowVectorXd centre = 0.5 * low + 0.5 * high;
  const double key_radius = (0.5 * high - 0.5 * low).cwiseAbs().maxCoeff();
  double query_radius = 0.0;
  for (Eigen::Index j = 0; j < q.rows(); ++j)
    query_radius = std::max(query_radius,
                            (q.row(j).template cast<double>() - centre).cwiseAbs().maxCoeff());
  const double d = static_cast<double>(keys.cols());
  const double radius = query_radius + key_radius;
  const double dist2 = d * radius * radius;  // >= every |q - k|^2
  const double limit = static_cast<double>(std::numeric_limits<T>::max()) / 64;
  if (std::isfinite(query_radius) && dist2 <= limit) return;
  throw Error(fmt::format(
      "inputs outside the supported range of {}: queries / t lie up to {:.3g} and the support up "
      "to {:.3g} from the support's centre (per coordinate, in kernel space), so squared "
      "distances |x/t - s|^2 can reach {:.3g}, beyond {:.3g}{}", type, query_radius, key_radius,
      dist2, limit, remedy));
}

// Never return inf/NaN as if it were a result: an overflow anywhere (e.g. a
// backend's intermediate at extreme logits) becomes a clear error.
template <class T>
void require_finite_result(const VelocityField<T>& field) {
  if (field.u.allFinite() && (field.neff.size() == 0 || field.neff.allFinite())) return;
  throw Error(fmt::format("the velocity is not representable in {} for these inputs (a value "
                          "overflowed); rescale the data{}", sizeof(T) == 4 ? "float32" : "float64",
                          sizeof(T) == 4 ? " or use float64" : ""));
}

template <class T>
VelocityField<T> compute(const Matrix<T>& queries, const Matrix<T>& support,
                         const VelocityOptions& o, const FlowTime& time, const Backend& backend) {
  // Keys and de-scaled queries x / t in kernel coordinates.
  Matrix<T> q_kernel;
  std::optional<Matrix<T>> s_kernel;  // empty: the support itself
  if (o.metric.is_isotropic()) {
    q_kernel = queries / static_cast<T>(time.t());
  } else {
    // Centre on the support mean in double before mapping and rounding to T: the
    // logits depend only on q - k, and mapped coordinates of data far from the
    // origin would otherwise lose their differences when rounded to float.
    const Eigen::RowVectorXd centre = support.template cast<double>().colwise().mean();
    const Matrix<double> q = (queries.template cast<double>() / time.t()).rowwise() - centre;
    const Matrix<double> s = support.template cast<double>().rowwise() - centre;
    q_kernel = o.metric.to_kernel_space(q).template cast<T>();
    s_kernel = o.metric.to_kernel_space(s).template cast<T>();
  }
  const Matrix<T>& q = q_kernel;
  const Matrix<T>& keys = s_kernel ? *s_kernel : support;
  require_representable(q, keys, time.logit_scale());

  VelocityField<T> field;
  Vector<T>* neff = o.want_neff ? &field.neff : nullptr;
  // Backends check for SIGINT/SIGTERM between their query blocks.
  throw_if_interrupted();
  backend.smooth(SmoothingProblem<T>{q, keys, support, time.logit_scale()}, field.u, neff);
  // u = (m_h - (1 - sigma_min) x) / sigma_t: no cancellation at small t. In
  // double, so only the mean's own rounding remains (one rounding to T at the end).
  const double drift = time.drift(), sigma_t = time.sigma_t();
  for (Eigen::Index i = 0; i < field.u.size(); ++i)
    field.u.data()[i] = static_cast<T>(
        (static_cast<double>(field.u.data()[i]) - drift * static_cast<double>(queries.data()[i])) /
        sigma_t);
  require_finite_result(field);
  return field;
}

}  // namespace

template <class T>
VelocityField<T> velocity(const Matrix<T>& queries, const Matrix<T>& support,
                          const VelocityOptions& options) {
  const FlowTime time(options.t, options.sigma_min);
  validate(queries, support, options);
  require_velocity_memory<T>(queries.rows(), support.rows(), support.cols(),
                             !options.metric.is_isotropic());
  const Backend& backend =
      find_backend(options.backend.empty() ? default_backend_name() : options.backend);
  if (options.threads == 0) return compute(queries, support, options, time, backend);
  tbb::task_arena arena(options.threads);
  return arena.execute([&] { return compute(queries, support, options, time, backend); });
}

template VelocityField<float> velocity(const Matrix<float>&, const Matrix<float>&,
                                       const VelocityOptions&);
template VelocityField<double> velocity(const Matrix<double>&, const Matrix<double>&,
                                        const VelocityOptions&);

}  // namespace kfm
