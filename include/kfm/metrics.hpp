#pragma once
// Distribution metrics comparing generated samples with held-out targets
// (SPEC §5), and the log-log rate fit and quantiles used by the experiments.
#include <vector>

#include "kfm/matrix.hpp"

namespace kfm {

// Median of the pairwise Euclidean distances over the pooled sample (a ∪ b);
// the Gaussian kernel is k(x, y) = exp(-|x - y|^2 / (2 bandwidth^2)).
// Throws kfm::Error on column mismatch, fewer than 2 pooled rows, non-finite values,
// or if every pairwise distance is 0.
double median_heuristic_bandwidth(const Matrix<double>& a, const Matrix<double>& b);

// Unbiased U-statistic estimate of MMD^2 with the Gaussian kernel; bandwidth 0 means the
// median heuristic over the pooled sample. Can be slightly negative when the
// distributions agree. Throws kfm::Error unless both have >= 2 rows and equal columns.
double mmd2_unbiased(const Matrix<double>& a, const Matrix<double>& b, double bandwidth = 0.0);

// Energy distance 2 E|X - Y| - E|X - X'| - E|Y - Y'| (V-statistic: >= 0, and exactly 0
// for identical sets). Throws kfm::Error on empty input or column mismatch.
double energy_distance(const Matrix<double>& a, const Matrix<double>& b);

// y ~ C x^(-exponent), fitted by ordinary least squares on (log x, log y):
// log y = intercept - exponent log x. ci_low/ci_high: 95% interval of the exponent
// (Student t, n - 2 degrees of freedom). r2: coefficient of determination on the log scale.
struct PowerLawFit {
  double exponent = 0.0;
  double intercept = 0.0;  // log C
  double r2 = 0.0;
  double ci_low = 0.0, ci_high = 0.0;
  double std_error = 0.0;  // of the exponent
  int n = 0;               // points fitted
};

// Throws kfm::Error unless x, y have equal size >= 3, all positive and finite, and x
// not all equal.
PowerLawFit fit_power_law(const std::vector<double>& x, const std::vector<double>& y);

// Quantile q in [0, 1] with linear interpolation between order statistics (type 7,
// NumPy's default). Throws kfm::Error on empty input, non-finite values or q outside [0, 1].
double quantile(std::vector<double> values, double q);

// Two-sided Student t quantile: P(T <= result) = p for T ~ t(dof). dof >= 1, p in (0, 1).
double student_t_quantile(double p, int dof);

}  // namespace kfm
