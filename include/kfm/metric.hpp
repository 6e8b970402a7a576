#pragma once
// The kernel's metric (SPEC §1, identity 5): isotropic, or Mahalanobis with a
// symmetric positive-definite M = L L^T. Mahalanobis logits are isotropic
// logits on points mapped p -> L^T p (rows: P L); the smoother's mean still
// averages the original support points.
#include <Eigen/Core>

#include "kfm/matrix.hpp"

namespace kfm {

class Metric {
 public:
  static Metric isotropic() { return Metric(); }
  // Throws kfm::Error unless M is finite, square, symmetric (to 1e-8 relative)
  // and positive definite.
  static Metric mahalanobis(const Matrix<double>& m);

  bool is_isotropic() const { return lower_.size() == 0; }
  // Dimension of M; 0 for the isotropic metric (which fits any dimension).
  Eigen::Index dim() const { return lower_.rows(); }
  // L with M = L L^T (lower triangular). Empty for the isotropic metric.
  const Matrix<double>& cholesky_lower() const { return lower_; }

  // Rows p -> L^T p. Only for Mahalanobis metrics of matching dimension.
  template <class T>
  Matrix<T> to_kernel_space(const Matrix<T>& points) const {
    return points * lower_.cast<T>().template triangularView<Eigen::Lower>();
  }

 private:
  Matrix<double> lower_;
};

}  // namespace kfm
