#include "kfm/metric.hpp"

#include <cmath>

#include <Eigen/Cholesky>
#include <fmt/format.h>

#include "kfm/error.hpp"

namespace kfm {

Metric Metric::mahalanobis(const Matrix<double>& m) {
  if (m.rows() != m.cols())
    throw Error(fmt::format("metric must be a square matrix, got {}x{}", m.rows(), m.cols()));
  if (m.rows() == 0) throw Error("metric is empty");
  if (!m.allFinite()) throw Error("metric contains NaN or Inf");
  const double scale = m.cwiseAbs().maxCoeff();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < i; ++j)
      if (std::abs(m(i, j) - m(j, i)) > 1e-8 * scale)
        throw Error(fmt::format("metric is not symmetric: M[{},{}] = {} but M[{},{}] = {}", i, j,
                                m(i, j), j, i, m(j, i)));
  const Matrix<double> symmetric = 0.5 * (m + m.transpose());
  Eigen::LLT<Matrix<double>> llt(symmetric);
  const Matrix<double> lower = llt.matrixL();
  if (llt.info() != Eigen::Success || !lower.allFinite() ||
      !(lower.diagonal().array() > 0.0).all())
    throw Error("metric is not positive definite");
  Metric metric;
  metric.lower_ = lower;
  return metric;
}

}  // namespace kfm
