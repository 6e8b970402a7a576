#pragma once
// The exact velocity of support-conditioned flow matching (SPEC §1):
//   u_t(x) = (m_h(x/t) - (1 - sigma_min) x) / sigma_t
// where m_h is the Nadaraya-Watson mean of the support at bandwidth h(t) = sigma_t / t,
// and n_eff(x) = 1 / sum_i w_i(x)^2.
//
// Accuracy contract (every backend, tested against the float64 reference on the
// same inputs, for t in [1e-4, 1], coordinates up to 1e3, tight clusters and
// duplicate rows):
//   err(U)    = max|U - U_ref| / (1 + max|U_ref|)   <= 1e-9 (double), 3e-4 (float)
//   err(neff) = max relative error                  <= 1e-9 (double),
//                                                      3e-4 (1 + |L|) (float),
// where L is the query's largest logit -|x/t - s|^2 / (2 h^2).
// One documented exception: with a Mahalanobis metric in float32, the points are
// centred on the support mean and mapped by L^T in double, then rounded to float
// once; clusters of radius 1e-3 lying 1e3 apart lose digits in that rounding
// (n_eff error ~5e-4 at t = 1). Use float64 for such data.
#include <string>

#include "kfm/matrix.hpp"
#include "kfm/metric.hpp"

namespace kfm {

struct VelocityOptions {
  double t = 0.5;
  double sigma_min = 0.01;
  Metric metric = Metric::isotropic();
  std::string backend;     // empty: default_backend_name()
  int threads = 0;         // 0: all cores; otherwise at most this many
  bool want_neff = false;  // also compute n_eff
};

template <class T>
struct VelocityField {
  Matrix<T> u;     // n x d
  Vector<T> neff;  // n, empty unless requested
};

// Throws kfm::Error on bad input: empty or non-finite matrices, column mismatch,
// t or sigma_min out of range, metric of the wrong dimension, unknown backend.
template <class T>
VelocityField<T> velocity(const Matrix<T>& queries, const Matrix<T>& support,
                          const VelocityOptions& options);

extern template VelocityField<float> velocity(const Matrix<float>&, const Matrix<float>&,
                                              const VelocityOptions&);
extern template VelocityField<double> velocity(const Matrix<double>&, const Matrix<double>&,
                                               const VelocityOptions&);

}  // namespace kfm
