#pragma once
// Dense matrix types used across kfm: row-major, so a row is one point and
// the raw buffer is what .npy (C order) and the SIMD kernels expect.
#include <Eigen/Core>

namespace kfm {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

}  // namespace kfm
