// The `fused` backend (the default): an online-softmax Gaussian-kernel smoother that
// never stores anything n x m. This file is the portable half: it checks the problem,
// centres and packs the keys once per call (O(m d) memory) and runs the SIMD kernel
// of the active ISA (isa/fused_kernel.cpp) over fixed blocks of queries with oneTBB.
// Each query's reduction order is fixed by the kernel, so results are bit-identical
// for any thread count or partition. Design and measurements: docs/fused_design.md.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "backends.hpp"
#include "kfm/interrupt.hpp"
#include "fused_kernel.hpp"
#include "kfm/error.hpp"

namespace kfm::backends {
namespace {

using Index = std::ptrdiff_t;

// Refinement tolerance on the weighted-average logit error (docs/fused_design.md): it
// moves sum w and sum w^2 by at most tol and 2 tol relative, so n_eff by at most 4 tol
// (2.4e-4 < 3e-4 for float, 4e-10 < 1e-9 for double), and the mean by tol times the
// spread of the weighted values.
// KFM_FUSED_TOLERANCE overrides it (measurements of the alternatives only).
template <class T>
double refine_tolerance() {
  if (const char* env = std::getenv("KFM_FUSED_TOLERANCE")) return std::atof(env);
  return sizeof(T) == sizeof(float) ? 6e-5 : 1e-10;
}

// Queries per parallel task: fixed by the dimensions, never by the thread count. Each
// block streams over all keys once, so wide rows get larger blocks (fewer passes over
// keys that do not fit in cache).
Index query_block(Index dk, Index dv) { return dk + dv >= 64 ? 128 : 32; }

// 64-byte aligned, uninitialized storage (the kernel's SIMD tiles).
template <class T>
class AlignedBuffer {
 public:
  explicit AlignedBuffer(Index size)
      : data_(static_cast<T*>(std::aligned_alloc(64, round_up(size)))) {
    if (!data_) throw std::bad_alloc();
  }
  T* data() { return data_.get(); }
  T& operator[](Index i) { return data_.get()[i]; }

 private:
  static size_t round_up(Index size) {
    return (sizeof(T) * size_t(std::max<Index>(size, 1)) + 63) / 64 * 64;
  }
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
};

template <class T>
void check(const SmoothingProblem<T>& p) {
  if (p.keys.rows() == 0 || p.keys.cols() == 0)
    throw Error("fused backend: the support is empty");
  if (p.values.rows() != p.keys.rows())
    throw Error(fmt::format("fused backend: {} value rows for {} keys", p.values.rows(),
                            p.keys.rows()));
  if (p.queries.cols() != p.keys.cols())
    throw Error(fmt::format("fused backend: queries have {} columns but keys have {}",
                            p.queries.cols(), p.keys.cols()));
  if (!(p.scale > 0) || !std::isfinite(p.scale))
    throw Error(fmt::format("fused backend: logit scale must be finite and > 0, got {}", p.scale));
}

template <class T>
void smooth_fused(const SmoothingProblem<T>& p, Matrix<T>& mean, Vector<T>* neff) {
  check(p);
  const fused::KernelTable& kernels = fused::active_kernels();
  const Index lanes = sizeof(T) == sizeof(float) ? kernels.lanes_f32 : kernels.lanes_f64;
  const Index n = p.queries.rows(), m = p.keys.rows();
  const Index dk = p.keys.cols(), dv = p.values.cols();
  const Index tiles = (m + lanes - 1) / lanes;
  mean.resize(n, dv);
  if (neff) neff->resize(n);
  if (n == 0) return;

  // Centre on the support mean: the fast logits lose digits in proportion to
  // scale |k'|^2, and centring removes the "far from the origin" part of it.
  // KFM_FUSED_CENTRE=0 turns it off (measurements of the alternatives only).
  Vector<double> centre = Vector<double>::Zero(dk);
  const char* centre_env = std::getenv("KFM_FUSED_CENTRE");
  if (!centre_env || std::string_view(centre_env) != "0") {
    for (Index i = 0; i < m; ++i) centre += p.keys.row(i).template cast<double>().transpose();
    centre /= double(m);
  }

  Matrix<T> queries_centred(n, dk);
  std::vector<double> query_norm(static_cast<size_t>(n)), query_const(static_cast<size_t>(n));
  for (Index j = 0; j < n; ++j) {
    double norm2 = 0;
    for (Index c = 0; c < dk; ++c) {
      const double x = double(p.queries(j, c)) - centre(c);
      queries_centred(j, c) = static_cast<T>(x);
      norm2 += x * x;
    }
    query_norm[size_t(j)] = std::sqrt(norm2);
    query_const[size_t(j)] = p.scale * norm2;
  }

  AlignedBuffer<T> key_tiles(tiles * dk * lanes), key_bias(tiles * lanes);
  double max_key_norm = 0;
  for (Index i = 0; i < tiles * lanes; ++i) {
    const Index tile = i / lanes, lane = i % lanes;
    double norm2 = 0;
    for (Index c = 0; c < dk; ++c) {
      const T k = i < m ? static_cast<T>(double(p.keys(i, c)) - centre(c)) : T(0);
      norm2 += double(k) * double(k);
      key_tiles[(tile * dk + c) * lanes + lane] = static_cast<T>(2.0 * p.scale * double(k));
    }
    key_bias[i] = i < m ? static_cast<T>(p.scale * norm2) : std::numeric_limits<T>::infinity();
    max_key_norm = std::max(max_key_norm, std::sqrt(norm2));
  }

  // Values: transposed tiles when a row is narrower than a vector, else padded rows.
  const bool tiled_values = dv < lanes;
  const Index value_stride = tiled_values ? 0 : (dv + lanes - 1) / lanes * lanes;
  AlignedBuffer<T> values(tiled_values ? tiles * dv * lanes : tiles * lanes * value_stride);
  for (Index i = 0; i < tiles * lanes; ++i) {
    const Index tile = i / lanes, lane = i % lanes;
    if (tiled_values) {
      for (Index c = 0; c < dv; ++c)
        values[(tile * dv + c) * lanes + lane] = i < m ? p.values(i, c) : T(0);
    } else {
      for (Index c = 0; c < value_stride; ++c)
        values[i * value_stride + c] = i < m && c < dv ? p.values(i, c) : T(0);
    }
  }

  // Row-major inputs the kernel reads through raw pointers.
  const Matrix<T>& queries = p.queries;
  const Matrix<T>& keys = p.keys;
  fused::Job<T> job;
  job.n = n;
  job.m = m;
  job.dk = dk;
  job.dv = dv;
  job.scale = p.scale;
  job.refine_tolerance = refine_tolerance<T>();
  job.queries_centred = queries_centred.data();
  job.queries = queries.data();
  job.query_norm = query_norm.data();
  job.query_norm2_scaled = query_const.data();
  job.keys = keys.data();
  job.key_tiles = key_tiles.data();
  job.key_bias = key_bias.data();
  job.max_key_norm = max_key_norm;
  job.value_tiles = tiled_values ? values.data() : nullptr;
  job.value_rows = tiled_values ? nullptr : values.data();
  job.value_stride = value_stride;
  job.mean = mean.data();
  job.neff = neff ? neff->data() : nullptr;

  const Index block = query_block(dk, dv);
  const Index blocks = (n + block - 1) / block;
  tbb::parallel_for(tbb::blocked_range<Index>(0, blocks, 1), [&](const auto& range) {
    for (Index b = range.begin(); b != range.end(); ++b) {
      throw_if_interrupted();  // SIGINT/SIGTERM: one relaxed load per query block
      const Index begin = b * block, end = std::min(n, begin + block);
      if constexpr (sizeof(T) == sizeof(float))
        kernels.run_f32(job, begin, end);
      else
        kernels.run_f64(job, begin, end);
    }
  });
}

class FusedBackend final : public Backend {
 public:
  std::string_view name() const override { return "fused"; }
  std::string_view description() const override {
    return "SIMD online softmax over key tiles, centred GEMM-form logits with exact "
           "recomputation of those that can matter, oneTBB over query blocks";
  }
  void smooth(const SmoothingProblem<float>& p, Matrix<float>& mean,
              Vector<float>* neff) const override {
    smooth_fused(p, mean, neff);
  }
  void smooth(const SmoothingProblem<double>& p, Matrix<double>& mean,
              Vector<double>* neff) const override {
    smooth_fused(p, mean, neff);
  }
};

}  // namespace

const Backend& fused() {
  static const FusedBackend backend;
  return backend;
}

}  // namespace kfm::backends
