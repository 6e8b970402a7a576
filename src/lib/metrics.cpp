// Distribution metrics (SPEC §5) and the statistics of the rate fits.
// Pairwise distances are formed block by block (|a|^2 + |b|^2 - 2 a.b, one GEMM per
// block) so memory stays O(block * rows) whatever the sample sizes.
#include "kfm/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "kfm/error.hpp"

namespace kfm {
namespace {

constexpr Eigen::Index kBlockRows = 256;
// The median heuristic looks at no more than this many pooled rows (an evenly
// strided subset beyond that), keeping it O(kMedianRows^2) in time and memory.
constexpr Eigen::Index kMedianRows = 2000;

void require_points(const Matrix<double>& m, const char* what, Eigen::Index min_rows) {
  if (m.rows() < min_rows)
    throw Error(fmt::format("{} need at least {} rows, got {}", what, min_rows, m.rows()));
  if (m.cols() == 0) throw Error(fmt::format("{} have no columns", what));
  if (!m.allFinite()) throw Error(fmt::format("{} contain a non-finite value", what));
}

void require_same_columns(const Matrix<double>& a, const Matrix<double>& b) {
  if (a.cols() != b.cols())
    throw Error(fmt::format("samples have {} and {} columns", a.cols(), b.cols()));
}

// Calls f(i, j, squared distance) for every row i of a and j of b (all pairs).
// A point's distance to itself is exactly 0 (the GEMM form would leave rounding).
template <class F>
void for_each_pair(const Matrix<double>& a, const Matrix<double>& b, F&& f) {
  const bool same = &a == &b;
  const Eigen::VectorXd b_norms = b.rowwise().squaredNorm();
  for (Eigen::Index begin = 0; begin < a.rows(); begin += kBlockRows) {
    const Eigen::Index rows = std::min(kBlockRows, a.rows() - begin);
    const auto block = a.middleRows(begin, rows);
    Eigen::MatrixXd d2 = -2.0 * (block * b.transpose());
    d2.colwise() += block.rowwise().squaredNorm();
    d2.rowwise() += b_norms.transpose();
    for (Eigen::Index j = 0; j < b.rows(); ++j)
      for (Eigen::Index i = 0; i < rows; ++i)
        f(begin + i, j, same && begin + i == j ? 0.0 : std::max(0.0, d2(i, j)));
  }
}

// Mean over all pairs (i, j) of g(|a_i - b_j|^2), optionally excluding i == j.
template <class G>
double pair_mean(const Matrix<double>& a, const Matrix<double>& b, bool skip_diagonal, G&& g) {
  double sum = 0.0;
  for_each_pair(a, b, [&](Eigen::Index i, Eigen::Index j, double d2) {
    if (!(skip_diagonal && i == j)) sum += g(d2);
  });
  const double count = skip_diagonal ? double(a.rows()) * double(a.rows() - 1)
                                     : double(a.rows()) * double(b.rows());
  return sum / count;
}

// Regularized incomplete beta I_x(a, b) by the continued fraction (modified Lentz).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                           a * std::log(x) + b * std::log1p(-x);
  // Converges fast for x < (a + 1) / (a + b + 2); otherwise use the symmetry.
  if (x > (a + 1.0) / (a + b + 2.0)) return 1.0 - incomplete_beta(b, a, 1.0 - x);
  constexpr double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::abs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    const double m2 = 2.0 * m;
    double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + num * d;
    d = std::abs(d) < tiny ? 1.0 / tiny : 1.0 / d;
    c = 1.0 + num / c;
    if (std::abs(c) < tiny) c = tiny;
    h *= d * c;
    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + num * d;
    d = std::abs(d) < tiny ? 1.0 / tiny : 1.0 / d;
    c = 1.0 + num / c;
    if (std::abs(c) < tiny) c = tiny;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < 1e-15) break;
  }
  return std::exp(log_front) * h / a;
}

// P(T <= t) for T ~ Student t with `dof` degrees of freedom.
double student_t_cdf(double t, double dof) {
  const double tail = 0.5 * incomplete_beta(0.5 * dof, 0.5, dof / (dof + t * t));
  return t >= 0.0 ? 1.0 - tail : tail;
}

}  // namespace

double median_heuristic_bandwidth(const Matrix<double>& a, const Matrix<double>& b) {
  require_same_columns(a, b);
  if (a.rows() + b.rows() < 2)
    throw Error("the median heuristic needs at least 2 points in the pooled sample");
  if (!a.allFinite() || !b.allFinite()) throw Error("samples contain a non-finite value");
  const Eigen::Index total = a.rows() + b.rows();
  const Eigen::Index used = std::min(total, kMedianRows);
  Matrix<double> pooled(used, a.cols());
  for (Eigen::Index i = 0; i < used; ++i) {
    const Eigen::Index src = used == total ? i : i * total / used;  // evenly strided
    pooled.row(i) = src < a.rows() ? a.row(src) : b.row(src - a.rows());
  }
  std::vector<double> distances;
  distances.reserve(static_cast<size_t>(used * (used - 1) / 2));
  for_each_pair(pooled, pooled, [&](Eigen::Index i, Eigen::Index j, double d2) {
    if (i < j) distances.push_back(std::sqrt(d2));
  });
  const double median = quantile(std::move(distances), 0.5);
  if (!(median > 0.0))
    throw Error("median pairwise distance is 0 (most points coincide): give a bandwidth");
  return median;
}

double mmd2_unbiased(const Matrix<double>& a, const Matrix<double>& b, double bandwidth) {
  require_points(a, "first sample", 2);
  require_points(b, "second sample", 2);
  require_same_columns(a, b);
  if (!std::isfinite(bandwidth) || bandwidth < 0.0)
    throw Error(fmt::format("MMD bandwidth must be >= 0 (0: median heuristic), got {}", bandwidth));
  const double h = bandwidth > 0.0 ? bandwidth : median_heuristic_bandwidth(a, b);
  const double scale = 1.0 / (2.0 * h * h);
  const auto kernel = [scale](double d2) { return std::exp(-scale * d2); };
  return pair_mean(a, a, true, kernel) + pair_mean(b, b, true, kernel) -
         2.0 * pair_mean(a, b, false, kernel);
}

double energy_distance(const Matrix<double>& a, const Matrix<double>& b) {
  require_points(a, "first sample", 1);
  require_points(b, "second sample", 1);
  require_same_columns(a, b);
  const auto distance = [](double d2) { return std::sqrt(d2); };
  const double value = 2.0 * pair_mean(a, b, false, distance) -
                       pair_mean(a, a, false, distance) - pair_mean(b, b, false, distance);
  return std::max(0.0, value);  // >= 0 in exact arithmetic; clamp rounding
}

PowerLawFit fit_power_law(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size())
    throw Error(fmt::format("power-law fit needs as many x as y, got {} and {}", x.size(),
                            y.size()));
  if (x.size() < 3)
    throw Error(fmt::format("power-law fit needs at least 3 points, got {}", x.size()));
  const size_t n = x.size();
  std::vector<double> lx(n), ly(n);
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]) || !(x[i] > 0.0) || !(y[i] > 0.0))
      throw Error(fmt::format("power-law fit needs positive finite values, got x = {}, y = {}",
                              x[i], y[i]));
    lx[i] = std::log(x[i]);
    ly[i] = std::log(y[i]);
  }
  double mx = 0.0, my = 0.0;
  for (size_t i = 0; i < n; ++i) mx += lx[i], my += ly[i];
  mx /= double(n);
  my /= double(n);
  double sxx = 0.0, sxy = 0.0, syy = 0.0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (lx[i] - mx) * (lx[i] - mx);
    sxy += (lx[i] - mx) * (ly[i] - my);
    syy += (ly[i] - my) * (ly[i] - my);
  }
  if (!(sxx > 0.0)) throw Error("power-law fit needs at least two distinct x values");
  const double slope = sxy / sxx;
  double sse = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double r = ly[i] - (my + slope * (lx[i] - mx));
    sse += r * r;
  }
  PowerLawFit fit;
  fit.n = static_cast<int>(n);
  fit.exponent = -slope;
  fit.intercept = my - slope * mx;
  fit.r2 = syy > 0.0 ? 1.0 - sse / syy : 1.0;
  fit.std_error = std::sqrt(sse / double(n - 2) / sxx);
  const double tq = student_t_quantile(0.975, fit.n - 2);
  fit.ci_low = fit.exponent - tq * fit.std_error;
  fit.ci_high = fit.exponent + tq * fit.std_error;
  return fit;
}

double quantile(std::vector<double> values, double q) {
  if (values.empty()) throw Error("quantile of an empty set");
  if (!std::isfinite(q) || q < 0.0 || q > 1.0)
    throw Error(fmt::format("quantile level must be in [0, 1], got {}", q));
  for (double v : values)
    if (!std::isfinite(v)) throw Error("quantile of a set with a non-finite value");
  const double h = (double(values.size()) - 1.0) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  std::nth_element(values.begin(), values.begin() + long(lo), values.end());
  const double below = values[lo];
  if (lo + 1 >= values.size()) return below;
  const double above = *std::min_element(values.begin() + long(lo) + 1, values.end());
  return below + (h - double(lo)) * (above - below);
}

double student_t_quantile(double p, int dof) {
  if (dof < 1) throw Error(fmt::format("Student t needs dof >= 1, got {}", dof));
  if (!std::isfinite(p) || !(p > 0.0) || !(p < 1.0))
    throw Error(fmt::format("Student t quantile level must be in (0, 1), got {}", p));
  if (p < 0.5) return -student_t_quantile(1.0 - p, dof);
  // Bracket, then bisect the monotone CDF to full double precision.
  double lo = 0.0, hi = 1.0;
  while (student_t_cdf(hi, dof) < p) hi *= 2.0;
  for (int i = 0; i < 200 && hi - lo > 1e-14 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, dof) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace kfm
