// The reference backend: obviously correct and exact to float64 limits.
// Scalar code; logits from explicit differences; a streaming log-sum-exp that
// rescales on every new maximum; all arithmetic in double whatever the input
// type, so the float path returns the correctly computed value rounded once.
#include <cmath>
#include <limits>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "backends.hpp"
#include "kfm/interrupt.hpp"

namespace kfm::backends {
namespace {

template <class T>
void smooth_reference(const SmoothingProblem<T>& p, Matrix<T>& mean, Vector<T>* neff) {
  const Eigen::Index n = p.queries.rows(), m = p.keys.rows();
  const Eigen::Index dk = p.keys.cols(), dv = p.values.cols();
  mean.resize(n, dv);
  if (neff) neff->resize(n);
  tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, n), [&](const auto& range) {
    std::vector<double> acc(static_cast<size_t>(dv));
    for (Eigen::Index j = range.begin(); j != range.end(); ++j) {
      throw_if_interrupted();  // SIGINT/SIGTERM: one relaxed load per query
      double max_logit = -std::numeric_limits<double>::infinity();
      double sum = 0.0, sum_sq = 0.0;  // sum_i e^(l_i - max), sum_i e^(2 (l_i - max))
      std::fill(acc.begin(), acc.end(), 0.0);
      for (Eigen::Index i = 0; i < m; ++i) {
        double dist2 = 0.0;
        for (Eigen::Index c = 0; c < dk; ++c) {
          const double diff = double(p.queries(j, c)) - double(p.keys(i, c));
          dist2 += diff * diff;
        }
        const double logit = -p.scale * dist2;
        if (logit > max_logit) {  // new maximum: rescale what was accumulated
          const double r = std::exp(max_logit - logit);
          sum *= r;
          sum_sq *= r * r;
          for (double& a : acc) a *= r;
          max_logit = logit;
        }
        const double w = std::exp(logit - max_logit);
        sum += w;
        sum_sq += w * w;
        for (Eigen::Index c = 0; c < dv; ++c) acc[size_t(c)] += w * double(p.values(i, c));
      }
      for (Eigen::Index c = 0; c < dv; ++c) mean(j, c) = static_cast<T>(acc[size_t(c)] / sum);
      if (neff) (*neff)(j) = static_cast<T>(sum * sum / sum_sq);
    }
  });
}

class ReferenceBackend final : public Backend {
 public:
  std::string_view name() const override { return "reference"; }
  std::string_view description() const override {
    return "scalar float64 streaming log-sum-exp from explicit differences (the ground truth)";
  }
  void smooth(const SmoothingProblem<float>& p, Matrix<float>& mean,
              Vector<float>* neff) const override {
    smooth_reference(p, mean, neff);
  }
  void smooth(const SmoothingProblem<double>& p, Matrix<double>& mean,
              Vector<double>* neff) const override {
    smooth_reference(p, mean, neff);
  }
};

}  // namespace

const Backend& reference() {
  static const ReferenceBackend backend;
  return backend;
}

}  // namespace kfm::backends
