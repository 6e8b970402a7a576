#pragma once
// Backends compute one Gaussian-kernel attention head (SPEC §1, identity 3):
//   w_ji    = softmax_i(-scale * |q_j - k_i|^2)
//   mean_j  = sum_i w_ji v_i
//   neff_j  = 1 / sum_i w_ji^2
// The flow-specific parts (de-scaling, bandwidth, metric, the velocity's affine
// form) are applied once in velocity.cpp, so every backend computes exactly the
// same quantities. Backends parallelize with oneTBB and honour the caller's
// tbb::task_arena; results must not depend on the thread count.
#include <string>
#include <string_view>
#include <vector>

#include "kfm/matrix.hpp"

namespace kfm {

template <class T>
struct SmoothingProblem {
  const Matrix<T>& queries;  // n x dk, de-scaled queries in kernel coordinates
  const Matrix<T>& keys;     // m x dk, support in kernel coordinates
  const Matrix<T>& values;   // m x dv, the support points that are averaged
  double scale;              // 1 / (2 h^2) > 0
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view description() const = 0;
  // mean is resized to n x dv; neff, when not null, to n.
  virtual void smooth(const SmoothingProblem<float>& p, Matrix<float>& mean,
                      Vector<float>* neff) const = 0;
  virtual void smooth(const SmoothingProblem<double>& p, Matrix<double>& mean,
                      Vector<double>* neff) const = 0;
};

// Throws kfm::Error naming the known backends when `name` is unknown.
const Backend& find_backend(std::string_view name);
std::vector<std::string> backend_names();
// The backend used when none is named: the fastest exact one available.
std::string_view default_backend_name();

}  // namespace kfm
