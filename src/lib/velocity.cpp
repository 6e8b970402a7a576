#include "kfm/velocity.hpp"

#include <optional>

#include <fmt/format.h>
#include <oneapi/tbb/task_arena.h>

#include "kfm/backend.hpp"
#include "kfm/error.hpp"
#include "kfm/flow_time.hpp"

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
  const SmoothingProblem<T> problem{q_kernel, s_kernel ? *s_kernel : support, support,
                                    time.logit_scale()};
  VelocityField<T> field;
  backend.smooth(problem, field.u, o.want_neff ? &field.neff : nullptr);
  // u = (m_h - (1 - sigma_min) x) / sigma_t: no cancellation at small t.
  const T drift = static_cast<T>(time.drift());
  const T inv_sigma = static_cast<T>(1.0 / time.sigma_t());
  field.u = (field.u - drift * queries) * inv_sigma;
  return field;
}

}  // namespace

template <class T>
VelocityField<T> velocity(const Matrix<T>& queries, const Matrix<T>& support,
                          const VelocityOptions& options) {
  const FlowTime time(options.t, options.sigma_min);
  validate(queries, support, options);
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
