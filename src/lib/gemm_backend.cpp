// The `gemm` backend: "what a BLAS user would do", kept as the honest
// comparison point for the fused backend in the benchmarks.
//
// Logits come from the GEMM form of SPEC §1 identity 4. After centring queries
// and keys on the key mean c (q' = q - c, k' = k - c):
//   -scale |q - k|^2 = scale (2 q'.k' - |k'|^2) - scale |q'|^2,
// and the last term is the same for every key of a query. For a block of
// queries (kQueryBlock) and a block of keys (kKeyBlock) one Eigen GEMM gives
// the "shifted" logits scale (2 q'.k' - |k'|^2) in the input precision T; only
// that one block is ever materialized, never n x m. An online softmax streams
// over the key blocks per query (running max, sum of weights, sum of squared
// weights for n_eff, and the weighted sum of values, updated with a second
// GEMM W_blk * V_blk on values centred on their mean).
//
// Known limit: in float32 the weighted mean is a float GEMM, so its rounding
// (~eps |v - c|) is what the velocity's affine step divides by sigma_t; with
// sigma_min < 1e-3 near t = 1 that exceeds the float32 contract. `fused`
// accumulates in double and has no such limit.
//
// Why more than the plain GEMM form: it loses digits when scale |k|^2 is large
// (late t where h -> sigma_min, data far from the origin, tight clusters). The
// cheapest standard fixes are applied:
//  1. Centre on the key mean: removes the far-from-origin offset. Values are
//     centred on their mean too, so the W V GEMM does not round at |v|.
//  2. A rounding-error bound per (query, key block),
//       E = c eps_T scale (2 |q'| max|k'| + max|k'|^2) + (error of scale |q'|^2),
//     with c = 2 sqrt(d) + 4 (the probabilistic growth of a length-d dot
//     product, Higham & Mary 2019, rather than the worst case c ~ d). Where E
//     exceeds a tolerance (1e-4 in float, 1e-11 in double), each logit's own
//     bound e decides: it is recomputed from explicit differences in double,
//     exactly as the reference does, unless e is within the tolerance or e
//     times its largest possible weight relative to the row maximum is below
//     tolerance / m. So the logits near the row maximum are exact and all kept
//     errors together move the weighted sums by a few times the tolerance at
//     most (relative).
//     On benign data few or no blocks need this: the backend is then two
//     GEMMs and one vectorized exp per pair.
// Measured worst errors, U / n_eff as in the contract (bounds 3e-4 float32,
// 1e-9 float64), plain GEMM form -> centred only -> this backend:
//   tests/support/accuracy.hpp suite, f32:  2.8e-2 / 1.5e-1 -> 1.1e-4 / 1.5e-3
//                                            -> 8.9e-6 / 6.9e-7 (f64: 5.7e-14 / 2.3e-14)
//   gemm_backend_test suite (far and tight clusters at 1e3), f32: 8.3e-2 / 7.2e-1
//     -> 2.1e-3 / 7.5e-1 -> 8.3e-5 / 5.8e-5; f64: 7.0e-10 / 1.3e-6 -> 3.6e-10 /
//     1.0e-6 -> 2.3e-13 / 5.7e-14
//   N(0,1) data, d 2..256, t 0.05..1, f32: 2.1e-4 / 4.1e-4 -> 4.9e-4 / 6.3e-4
//     (scale 5e3 at t = 1 defeats centring) -> 1.1e-5 / 1.5e-6, recomputing
//     0.13% of the pairs; the float64 reference on float32 inputs: 1.1e-5 / 7.8e-7.
//
// Where even the shifted logits would overflow T (absurdly small sigma_min)
// the whole problem goes to the reference backend.
//
// Determinism: query blocks are fixed by n alone and each query's reduction
// runs in one fixed order, so results are bit-identical for any thread count.
// Eigen here is compiled for baseline x86-64 (SSE2): this backend is the
// portable BLAS-style comparison point, not a tuned kernel.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "backends.hpp"
#include "kfm/interrupt.hpp"
#include "kfm/error.hpp"

namespace kfm::backends {
namespace {

using Eigen::Index;

constexpr Index kQueryBlock = 128;  // 128 x 1024 float logits = 512 KiB, fits L2
constexpr Index kKeyBlock = 1024;

// Per precision: the largest logit error (so relative weight error) accepted
// without recomputation; inside the contract of include/kfm/velocity.hpp.
template <class T>
struct Tolerance;
template <>
struct Tolerance<float> {
  static constexpr double logit = 1e-4;
  // Weights (relative to the row maximum) below e^lowest_log are raised to it:
  // negligible (m e^lowest_log relative), and it keeps w and w^2 normal
  // numbers; denormal arithmetic otherwise dominates the run time at late t.
  static constexpr double lowest_log = -40.0;
};
template <>
struct Tolerance<double> {
  static constexpr double logit = 1e-11;
  static constexpr double lowest_log = -300.0;
};

template <class T>
double weight(double log_weight) {
  return std::exp(std::max(log_weight, Tolerance<T>::lowest_log));
}

// Keys and values prepared once per call, shared read-only by all query blocks.
template <class T>
struct PreparedSupport {
  Eigen::RowVectorXd key_centre;    // c, the mean key
  Matrix<T> keys;                   // k - c
  Vector<T> scaled_sq_norm;         // scale |k - c|^2
  Eigen::VectorXd norm;             // |k - c| (double)
  std::vector<double> block_norm;   // max |k - c| per key block
  Eigen::RowVectorXd value_centre;  // mean value
  Matrix<T> values;                 // v - mean value
};

template <class T>
PreparedSupport<T> prepare_support(const SmoothingProblem<T>& p) {
  const Index m = p.keys.rows();
  PreparedSupport<T> s;
  s.key_centre = p.keys.template cast<double>().colwise().mean();
  s.value_centre = p.values.template cast<double>().colwise().mean();
  const Matrix<double> centred = p.keys.template cast<double>().rowwise() - s.key_centre;
  s.keys = centred.template cast<T>();
  s.norm = centred.rowwise().norm();
  s.scaled_sq_norm = (p.scale * centred.rowwise().squaredNorm()).template cast<T>();
  s.values = (p.values.template cast<double>().rowwise() - s.value_centre).template cast<T>();
  for (Index k0 = 0; k0 < m; k0 += kKeyBlock)
    s.block_norm.push_back(s.norm.segment(k0, std::min(kKeyBlock, m - k0)).maxCoeff());
  return s;
}

// -scale |q_j - k_i|^2 from explicit differences, in the reference's order.
template <class T>
double exact_logit(const SmoothingProblem<T>& p, Index j, Index i) {
  double dist2 = 0.0;
  for (Index c = 0; c < p.keys.cols(); ++c) {
    const double diff = double(p.queries(j, c)) - double(p.keys(i, c));
    dist2 += diff * diff;
  }
  return -p.scale * dist2;
}

// Online-softmax state of one query; logits in the absolute frame -scale |q - k|^2.
struct RowState {
  double max_logit = -std::numeric_limits<double>::infinity();
  double sum = 0.0;     // sum_i e^(l_i - max)
  double sum_sq = 0.0;  // sum_i e^(2 (l_i - max))
};

template <class T>
class QueryBlock {
 public:
  QueryBlock(const SmoothingProblem<T>& p, const PreparedSupport<T>& s, Index j0, Index rows)
      : p_(p), s_(s), j0_(j0), rows_(rows) {
    const Index dk = p.keys.cols();
    constexpr double eps_d = std::numeric_limits<double>::epsilon();
    queries_.resize(rows, dk);
    norm_.resize(size_t(rows));
    offset_.resize(size_t(rows));
    offset_error_.resize(size_t(rows));
    for (Index j = 0; j < rows; ++j) {
      double sq = 0.0;
      for (Index c = 0; c < dk; ++c) {
        const double x = double(p.queries(j0 + j, c)) - s.key_centre(c);
        queries_(j, c) = static_cast<T>(2.0 * p.scale * x);  // the GEMM gives 2 scale q'.k'
        sq += x * x;
      }
      norm_[size_t(j)] = std::sqrt(sq);
      offset_[size_t(j)] = p.scale * sq;
      offset_error_[size_t(j)] = double(dk + 3) * eps_d * offset_[size_t(j)];
    }
    logits_.resize(rows, std::min(kKeyBlock, p.keys.rows()));
    acc_ = Matrix<T>::Zero(rows, p.values.cols());
    state_.resize(size_t(rows));
  }

  void run(Matrix<T>& mean, Vector<T>* neff) {
    const Index m = p_.keys.rows();
    for (Index k0 = 0, b = 0; k0 < m; k0 += kKeyBlock, ++b) {
      const Index cols = std::min(kKeyBlock, m - k0);
      auto block = logits_.leftCols(cols);
      block.noalias() = queries_ * s_.keys.middleRows(k0, cols).transpose();
      block.rowwise() -= s_.scaled_sq_norm.segment(k0, cols).transpose();
      for (Index j = 0; j < rows_; ++j) softmax_row(j, k0, cols, s_.block_norm[size_t(b)]);
      acc_.noalias() += block * s_.values.middleRows(k0, cols);
    }
    for (Index j = 0; j < rows_; ++j) {
      const RowState& st = state_[size_t(j)];
      for (Index c = 0; c < acc_.cols(); ++c)
        mean(j0_ + j, c) = static_cast<T>(s_.value_centre(c) + double(acc_(j, c)) / st.sum);
      if (neff) (*neff)(j0_ + j) = static_cast<T>(st.sum * st.sum / st.sum_sq);
    }
  }

 private:
  // Bound on |shifted logit error| for query j against keys of norm <= key_norm.
  double error_bound(Index j, double key_norm) const {
    constexpr double eps = std::numeric_limits<T>::epsilon();
    const double c = 2.0 * std::sqrt(double(p_.keys.cols())) + 4.0;
    return c * eps * p_.scale * (2.0 * norm_[size_t(j)] * key_norm + key_norm * key_norm) +
           offset_error_[size_t(j)];
  }

  // Turns row j of the logits block into weights and folds them into the
  // row's running state. Logits whose error bound can matter are replaced by
  // exact ones first (see recompute_near_max).
  void softmax_row(Index j, Index k0, Index cols, double block_norm) {
    RowState& st = state_[size_t(j)];
    auto row = logits_.row(j).head(cols);
    const double offset = offset_[size_t(j)];
    const double bound = error_bound(j, block_norm);
    const double row_max = double(row.maxCoeff()) - offset;
    exact_.clear();
    double new_max = std::max(st.max_logit, row_max);
    if (bound > Tolerance<T>::logit) new_max = recompute_near_max(j, k0, row, row_max, bound);
    // The weights are e^(l - M) for the M the rounded shift actually gives,
    // so the running state is rescaled to exactly that M.
    const T shift = static_cast<T>(new_max + offset);
    const double used_max = double(shift) - offset;
    if (std::abs(used_max - new_max) <= 1.0) {  // the common case: exp in T, vectorized
      row = (row.array() - shift).max(static_cast<T>(Tolerance<T>::lowest_log)).exp();
      for (const auto& [i, l] : exact_) row(i) = static_cast<T>(weight<T>(l - used_max));
      fold_in(st, j, used_max, double(row.sum()), double(row.squaredNorm()));
    } else {  // the shifted frame is too coarse in T here: every weight in double
      double sum = 0.0, sum_sq = 0.0;
      auto next = exact_.begin();
      for (Index i = 0; i < cols; ++i) {
        double l = double(row(i)) - offset;
        if (next != exact_.end() && next->first == i) l = (next++)->second;
        const double w = weight<T>(l - new_max);
        row(i) = static_cast<T>(w);
        sum += w;
        sum_sq += w * w;
      }
      fold_in(st, j, new_max, sum, sum_sq);
    }
  }

  // Rescales row j's state to the maximum `new_max` and adds a block's sums.
  void fold_in(RowState& st, Index j, double new_max, double sum, double sum_sq) {
    if (new_max != st.max_logit) {
      const double r = weight<T>(st.max_logit - new_max);
      st.sum *= r;
      st.sum_sq *= r * r;
      acc_.row(j) *= static_cast<T>(r);
      st.max_logit = new_max;
    }
    st.sum += sum;
    st.sum_sq += sum_sq;
  }

  // Row j of this block may have logit errors above the tolerance (bound
  // `block_bound`). An approximate logit is kept when its own bound e is within
  // the tolerance, or when e times its largest possible weight relative to the
  // row maximum is below tolerance / m: then all kept errors together move the
  // weighted sums by a few times the tolerance at most (relative). The others
  // are recomputed from explicit differences and listed in exact_. Returns the
  // new maximum.
  template <class Row>
  double recompute_near_max(Index j, Index k0, const Row& row, double row_max,
                            double block_bound) {
    const RowState& st = state_[size_t(j)];
    const double offset = offset_[size_t(j)];
    const double lower = std::max(st.max_logit, row_max - block_bound);  // <= true maximum
    const double budget = std::log(Tolerance<T>::logit / double(p_.keys.rows())) + lower;
    // Cheap screen with the block's bound: logits below it are kept for sure.
    const double screen = budget - block_bound - std::log(block_bound) + offset;
    double new_max = st.max_logit;
    for (Index i = 0; i < row.size(); ++i) {
      if (double(row(i)) <= screen) continue;
      double l = double(row(i)) - offset;
      const double e = error_bound(j, s_.norm(k0 + i));
      if (e > Tolerance<T>::logit && l + e + std::log(e) > budget) {
        l = exact_logit(p_, j0_ + j, k0 + i);
        exact_.emplace_back(i, l);
      }
      new_max = std::max(new_max, l);
    }
    return new_max;
  }

  const SmoothingProblem<T>& p_;
  const PreparedSupport<T>& s_;
  Index j0_, rows_;
  Matrix<T> queries_;                // 2 scale (q - c)
  std::vector<double> norm_;         // |q - c|
  std::vector<double> offset_;       // scale |q - c|^2: shifted minus absolute logit
  std::vector<double> offset_error_;
  Matrix<T> logits_;                 // the one materialized block, then its weights
  Matrix<T> acc_;                    // sum_i w_i (v_i - mean value)
  std::vector<RowState> state_;
  std::vector<std::pair<Index, double>> exact_;  // (column, exact logit) of the current row
};

// Whether every shifted logit and GEMM operand, at most scale (|q'| + |k'|)^2
// or 2 scale |q'| in size, is far inside T's range.
template <class T>
bool gemm_form_fits(const SmoothingProblem<T>& p, const PreparedSupport<T>& s) {
  double query_norm = 0.0;
  for (Index j = 0; j < p.queries.rows(); ++j)
    query_norm = std::max(
        query_norm, (p.queries.row(j).template cast<double>() - s.key_centre).norm());
  const double reach = query_norm + s.norm.maxCoeff();
  return p.scale * std::max(reach * reach, 2.0 * reach) <
         1e-3 * double(std::numeric_limits<T>::max());
}

template <class T>
void smooth_gemm(const SmoothingProblem<T>& p, Matrix<T>& mean, Vector<T>* neff) {
  if (p.keys.rows() == 0) throw Error("the gemm backend needs at least one support point");
  const PreparedSupport<T> support = prepare_support(p);
  if (!gemm_form_fits(p, support)) {  // e.g. sigma_min ~ 1e-20 in float: only differences work
    reference().smooth(p, mean, neff);
    return;
  }
  const Index n = p.queries.rows();
  mean.resize(n, p.values.cols());
  if (neff) neff->resize(n);
  const Index blocks = (n + kQueryBlock - 1) / kQueryBlock;
  tbb::parallel_for(tbb::blocked_range<Index>(0, blocks, 1), [&](const auto& range) {
    for (Index b = range.begin(); b != range.end(); ++b) {
      throw_if_interrupted();  // SIGINT/SIGTERM: one relaxed load per query block
      const Index j0 = b * kQueryBlock;
      QueryBlock<T>(p, support, j0, std::min(kQueryBlock, n - j0)).run(mean, neff);
    }
  });
}

class GemmBackend final : public Backend {
 public:
  std::string_view name() const override { return "gemm"; }
  std::string_view description() const override {
    return "Eigen GEMM logits per block on centred data, online softmax, near-max logits "
           "recomputed in double where a rounding bound requires (BLAS-style baseline)";
  }
  void smooth(const SmoothingProblem<float>& p, Matrix<float>& mean,
              Vector<float>* neff) const override {
    smooth_gemm(p, mean, neff);
  }
  void smooth(const SmoothingProblem<double>& p, Matrix<double>& mean,
              Vector<double>* neff) const override {
    smooth_gemm(p, mean, neff);
  }
};

}  // namespace

const Backend& gemm() {
  static const GemmBackend backend;
  return backend;
}

}  // namespace kfm::backends
