// The SIMD kernel of the `fused` backend: for each query, an online softmax over
// tiles of `kLanes` keys (one key per SIMD lane) of the logits
//   l_i = 2 scale q'.k'_i - scale |k'_i|^2    (= -scale |q - k_i|^2 + scale |q'|^2)
// on coordinates centred on the support mean, with the few logits whose rounding
// could matter recomputed exactly from differences in double (see docs/fused_design.md).
//
// Compiled three times (isa/fused_kernels.cmake) with KFM_ISA_NAMESPACE = avx512, avx2,
// baseline and the matching -m flags. Everything here is in an anonymous namespace or in
// kfm::fused::KFM_ISA_NAMESPACE, and only GCC vector extensions, always-inline intrinsics
// and C builtins are used: no inline library templates whose out-of-line copies the
// linker could share between ISAs (see fused_kernel.hpp).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fused_kernel.hpp"

#ifndef KFM_ISA_NAMESPACE
#error "compile with -DKFM_ISA_NAMESPACE=<avx512|avx2|baseline> (see isa/fused_kernels.cmake)"
#endif
#define KFM_STRINGIFY_(x) #x
#define KFM_STRINGIFY(x) KFM_STRINGIFY_(x)

namespace kfm::fused::KFM_ISA_NAMESPACE {
namespace {

using Index = std::ptrdiff_t;

#if defined(__AVX512F__)
constexpr int kVectorBytes = 64;
#elif defined(__AVX2__)
constexpr int kVectorBytes = 32;
#else
constexpr int kVectorBytes = 16;
#endif

template <class T>
struct VecOf {
  typedef T type __attribute__((vector_size(kVectorBytes)));
};
template <class T>
using Vec = typename VecOf<T>::type;
template <class T>
struct UVecOf;
template <>
struct UVecOf<float> {
  typedef std::uint32_t type __attribute__((vector_size(kVectorBytes)));
};
template <>
struct UVecOf<double> {
  typedef std::uint64_t type __attribute__((vector_size(kVectorBytes)));
};
template <class T>
using UVec = typename UVecOf<T>::type;

template <class T>
constexpr int kLanes = kVectorBytes / int(sizeof(T));

template <class T>
inline Vec<T> load(const T* p) {
  Vec<T> v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void store(T* p, Vec<T> v) {
  __builtin_memcpy(p, &v, sizeof v);
}
// Broadcast (a plain `vector + scalar` would add 0.0 first, and a lane loop does not
// always become one instruction).
inline Vec<float> splat(float s) {
#if defined(__AVX512F__)
  return reinterpret_cast<Vec<float>>(_mm512_set1_ps(s));
#elif defined(__AVX2__)
  return reinterpret_cast<Vec<float>>(_mm256_set1_ps(s));
#else
  return reinterpret_cast<Vec<float>>(_mm_set1_ps(s));
#endif
}
inline Vec<double> splat(double s) {
#if defined(__AVX512F__)
  return reinterpret_cast<Vec<double>>(_mm512_set1_pd(s));
#elif defined(__AVX2__)
  return reinterpret_cast<Vec<double>>(_mm256_set1_pd(s));
#else
  return reinterpret_cast<Vec<double>>(_mm_set1_pd(s));
#endif
}

// Bit i set when lane i of the comparison result `c` is true.
inline unsigned lane_mask(Vec<float> a, Vec<float> b) {  // a > b
  const auto c = a > b;
#if defined(__AVX512F__)
  return _mm512_movepi32_mask(reinterpret_cast<__m512i>(c));
#elif defined(__AVX2__)
  return unsigned(_mm256_movemask_ps(reinterpret_cast<__m256>(c)));
#else
  return unsigned(_mm_movemask_ps(reinterpret_cast<__m128>(c)));
#endif
}
inline unsigned lane_mask(Vec<double> a, Vec<double> b) {  // a > b
  const auto c = a > b;
#if defined(__AVX512F__)
  return _mm512_movepi64_mask(reinterpret_cast<__m512i>(c));
#elif defined(__AVX2__)
  return unsigned(_mm256_movemask_pd(reinterpret_cast<__m256d>(c)));
#else
  return unsigned(_mm_movemask_pd(reinterpret_cast<__m128d>(c)));
#endif
}

template <class T>
inline T horizontal_max(Vec<T> v) {
  T r = v[0];
  for (int i = 1; i < kLanes<T>; ++i) r = v[i] > r ? v[i] : r;
  return r;
}
// Fixed lane order, in double: part of the deterministic reduction order.
template <class T>
inline double horizontal_sum(Vec<T> v) {
  double r = 0;
  for (int i = 0; i < kLanes<T>; ++i) r += double(v[i]);
  return r;
}

// Vectorized e^x.
// float: Cephes expf (range reduction x = n ln2 + r with a two-part ln2, degree-5
//   minimax polynomial for e^r on |r| <= ln2/2). Max relative error 2.4e-7 (~2 ulp;
//   measured against double exp in fused_backend_test over [-80, 88]). Valid for
//   x <= 88; returns exactly 0 for x < -80 (and -inf), which also keeps denormals out.
// double: same reduction with fdlibm's split ln2 and the degree-12 Taylor polynomial
//   (truncation 2e-16 on |r| <= ln2/2). Max relative error 4e-16 (measured likewise over
//   [-700, 700]); returns exactly 0 for x < -700.
// The caller keeps x <= 88 (float) / 700 (double): its logits are relative to a running
// maximum, at most `kSlack` above it.
inline Vec<float> vexp(Vec<float> x) {
  const auto underflow = x < -80.0f;
  x = x < -80.0f ? splat(-80.0f) : x;
  x = x > 88.0f ? splat(88.0f) : x;
  const Vec<float> shifted = x * 1.44269504088896341f + 12582912.0f;  // round via 1.5*2^23
  const Vec<float> n = shifted - 12582912.0f;
  Vec<float> r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const Vec<float> r2 = r * r;
  Vec<float> p = 1.9875691500e-4f * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  // The low mantissa bits of `shifted` hold n: shifting them into the exponent field
  // gives 2^n once the bias is added.
  const UVec<float> bits = (reinterpret_cast<UVec<float>>(shifted) << 23) + (127u << 23);
  const Vec<float> result = p * reinterpret_cast<Vec<float>>(bits);
  return underflow ? Vec<float>{} : result;
}

inline Vec<double> vexp(Vec<double> x) {
  const auto underflow = x < -700.0;
  x = x < -700.0 ? splat(-700.0) : x;
  x = x > 700.0 ? splat(700.0) : x;
  const Vec<double> shifted = x * 1.4426950408889634074 + 6755399441055744.0;  // 1.5*2^52
  const Vec<double> n = shifted - 6755399441055744.0;
  Vec<double> r = x - n * 6.93147180369123816490e-01;
  r = r - n * 1.90821492927058770002e-10;
  Vec<double> p = splat(1.0 / 479001600.0);  // 1/12!
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const UVec<double> bits =
      (reinterpret_cast<UVec<double>>(shifted) << 52) + (std::uint64_t(1023) << 52);
  const Vec<double> result = p * reinterpret_cast<Vec<double>>(bits);
  return underflow ? Vec<double>{} : result;
}

template <class T>
struct Precision;
template <>
struct Precision<float> {
  static constexpr double unit_roundoff = 0x1p-24;
};
template <>
struct Precision<double> {
  static constexpr double unit_roundoff = 0x1p-53;
};

// Logits are kept relative to a running maximum M; M moves (and everything accumulated
// is rescaled) only when a logit exceeds it by more than kSlack, so weights stay <= e^16.
constexpr double kSlack = 16.0;
// Lane accumulators are flushed into double every kChunkTiles tiles, so no float sum
// runs over more than kChunkTiles terms.
constexpr Index kChunkTiles = 16;

// An upper bound of ln(x) for x > 0 (from the binary exponent): cheap and safe.
inline double log_upper(double x) {
  std::uint64_t bits;
  __builtin_memcpy(&bits, &x, sizeof bits);
  const int exponent = int((bits >> 52) & 0x7ff) - 1022;  // x < 2^exponent
  return exponent * 0.6931471805599453;
}

// Per-query state that persists across key chunks, for one block of queries
// (slot = query - block begin), plus the per-group chunk accumulators.
template <class T>
struct BlockState {
  T* running_max = nullptr;      // M, slots
  T* best = nullptr;             // largest fast logit - M, slots
  double* dsum = nullptr;        // sum_i e^(l_i - M), slots
  double* dsum2 = nullptr;       // sum_i e^(2 (l_i - M)), slots
  double* dacc = nullptr;        // sum_i e^(l_i - M) v_i, slots x dv
  double* drefined = nullptr;     // sum over recomputed i of e^(l_i - M), slots
  T* acc_rows = nullptr;         // chunk accumulators of the row path, R x value_stride
  T* weights = nullptr;          // one tile's weights of the row path, R x lanes
  BlockState(Index slots, Index r, Index dv, Index stride) {
    running_max = static_cast<T*>(std::malloc(sizeof(T) * size_t(slots)));
    best = static_cast<T*>(std::malloc(sizeof(T) * size_t(slots)));
    dsum = static_cast<double*>(std::malloc(sizeof(double) * size_t(slots)));
    dsum2 = static_cast<double*>(std::malloc(sizeof(double) * size_t(slots)));
    dacc = static_cast<double*>(std::malloc(sizeof(double) * size_t(slots * dv + 1)));
    drefined = static_cast<double*>(std::malloc(sizeof(double) * size_t(slots)));
    acc_rows = static_cast<T*>(std::aligned_alloc(64, sizeof(T) * size_t(r * stride + 64)));
    weights = static_cast<T*>(std::aligned_alloc(64, sizeof(T) * size_t(r * 64)));
    for (Index q = 0; q < slots; ++q) reset(q, dv);
  }
  void reset(Index slot, Index dv) {
    running_max[slot] = -__builtin_huge_valf();
    best[slot] = -__builtin_huge_valf();
    dsum[slot] = 0;
    dsum2[slot] = 0;
    drefined[slot] = 0;
    for (Index c = 0; c < dv; ++c) dacc[slot * dv + c] = 0;
  }
  void rescale(Index slot, Index dv, double factor) {
    dsum[slot] *= factor;
    dsum2[slot] *= factor * factor;
    drefined[slot] *= factor;
    for (Index c = 0; c < dv; ++c) dacc[slot * dv + c] *= factor;
  }
  ~BlockState() {
    std::free(running_max);
    std::free(best);
    std::free(dsum);
    std::free(dsum2);
    std::free(dacc);
    std::free(drefined);
    std::free(acc_rows);
    std::free(weights);
  }
  BlockState(const BlockState&) = delete;
  BlockState& operator=(const BlockState&) = delete;
};

// kLanes<double> consecutive values widened to double.
inline Vec<double> to_double(const double* p) { return load(p); }
inline Vec<double> to_double(const float* p) {
  typedef float Half __attribute__((vector_size(kVectorBytes / 2)));
  Half h;
  __builtin_memcpy(&h, p, sizeof h);
  return __builtin_convertvector(h, Vec<double>);
}

// Exact logits (differences in double, as the reference computes them) for the keys of
// `tile` in `lanes`, written into delta relative to the running maximum:
//   delta = -scale |q - k|^2 + (scale |q'|^2 - M)   [offset = scale |q'|^2 - M].
template <class T>
[[gnu::always_inline]] inline Vec<T> exact_logits(const Job<T>& job, const T* query, Index tile,
                                      unsigned lanes, Vec<T> delta, double offset) {
  constexpr int W = kLanes<T>;
  constexpr int WD = kLanes<double>;
  T out[W];
  store(out, delta);
  for (; lanes; lanes &= lanes - 1) {
    const int lane = __builtin_ctz(lanes);
    const T* key = job.keys + (tile * W + lane) * job.dk;
    // Squared differences in double, WD coordinates at a time, in a fixed order.
    Vec<double> partial{};
    Index c = 0;
    for (; c + WD <= job.dk; c += WD) {
      const Vec<double> diff = to_double(query + c) - to_double(key + c);
      partial += diff * diff;
    }
    double dist2 = horizontal_sum<double>(partial);
    for (; c < job.dk; ++c) {
      const double diff = double(query[c]) - double(key[c]);
      dist2 += diff * diff;
    }
    out[lane] = T(-job.scale * dist2 + offset);
  }
  return load(out);
}

// Weighted accumulation for the row-major value layout: acc_r += sum_i w_ri v_i over the
// tile's keys, CB vectors of value columns at a time (lanes over value columns).
template <class T, int R, int CB>
inline Index accumulate_rows(const T* values, Index stride, const T* weights, T* acc, Index c0,
                             Index c_end) {
  constexpr int W = kLanes<T>;
  Index c = c0;
  for (; c + CB * W <= c_end; c += CB * W) {
    Vec<T> a[R][CB];
    for (int r = 0; r < R; ++r)
      for (int b = 0; b < CB; ++b) a[r][b] = load(acc + r * stride + c + b * W);
    for (int i = 0; i < W; ++i) {
      Vec<T> v[CB];
      for (int b = 0; b < CB; ++b) v[b] = load(values + i * stride + c + b * W);
      for (int r = 0; r < R; ++r) {
        const Vec<T> w = splat(weights[r * W + i]);
        for (int b = 0; b < CB; ++b) a[r][b] += w * v[b];
      }
    }
    for (int r = 0; r < R; ++r)
      for (int b = 0; b < CB; ++b) store(acc + r * stride + c + b * W, a[r][b]);
  }
  return c;
}

// R queries (block slots `slots`, possibly repeated) against key tiles [t0, t1), at most
// kChunkTiles of them: the lane accumulators start at zero and are flushed into the
// block state at the end, so a query's reduction order is fixed by the chunk grid alone.
// DK, DV: compile-time dimensions, or 0 for the run-time job.dk / job.dv.
// kTiledValues: values in transposed tiles (dv < lanes) or in padded rows.
// Bound on the rounding error of query `row`'s fast logits, K = max |k'|
// (derivation in docs/fused_design.md):
//   B = u scale ((2 dk + 8) |q'| K + 6 K^2).
template <class T>
double logit_error_bound(const Job<T>& job, Index row) {
  const double u = Precision<T>::unit_roundoff, k = job.max_key_norm;
  return u * job.scale * (double(2 * job.dk + 8) * job.query_norm[row] * k + 6.0 * k * k);
}

// Which logits are recomputed exactly (docs/fused_design.md), for a tile whose rounding
// bound B exceeds the tolerance:
//  - optimistic: those within ln(B / tolerance) + kOptimisticMargin of the running maximum;
//    the weight-times-bound of all others is accumulated, and a query whose weighted-mean
//    bound ends above the tolerance is recomputed in conservative mode;
//  - conservative: those within ln(m B / tolerance) of it, so even m keys just below the
//    cut could not carry a weighted error above the tolerance.
constexpr double kOptimisticMargin = 3.0;

template <class T, int R, int DK, int DV, bool kTiledValues>
void run_group_chunk(const Job<T>& job, Index block_begin, const Index* slots, Index t0, Index t1,
                     bool conservative, BlockState<T>& s) {
  constexpr int W = kLanes<T>;
  const Index dk = DK ? DK : job.dk;
  const Index dv = DV ? DV : job.dv;
  const double tolerance = job.refine_tolerance;
  const double cut_offset =
      tolerance <= 0  ? __builtin_inf()
      : conservative ? __builtin_log(double(job.m) / tolerance) + 1
                     : kOptimisticMargin - __builtin_log(tolerance);

  const T* q[R];
  T running_max[R];
  // Largest fast logit seen so far, relative to running_max: the refinement cut is
  // measured from it (running_max itself may lag up to kSlack behind).
  T best[R];
  double query_const[R];
  // Logits within `cut` of `best` are recomputed when the bound exceeds the tolerance.
  bool needs_refinement[R];
  T cut[R];
  // A repeated slot (the block's tail) computes exactly what its first occurrence does;
  // only the first one touches the block state.
  bool primary[R];
  for (int r = 0; r < R; ++r) {
    primary[r] = true;
    for (int p = 0; p < r; ++p) primary[r] = primary[r] && slots[p] != slots[r];
    const Index row = block_begin + slots[r];
    q[r] = job.queries_centred + row * dk;
    running_max[r] = s.running_max[slots[r]];
    best[r] = s.best[slots[r]];
    query_const[r] = job.query_norm2_scaled[row];
    const double bound = logit_error_bound(job, row);
    needs_refinement[r] = bound > tolerance;
    cut[r] = needs_refinement[r] ? T(cut_offset + log_upper(bound) + 2 * bound) : T(0);
  }
  constexpr int kMaxTiledDv = DV ? DV : W;  // the tiled path has dv < W
  Vec<T> sum[R], sum2[R];
  double refined_weight[R];  // sum of the weights whose logits were recomputed
  Vec<T> acc[kTiledValues ? R : 1][kTiledValues ? kMaxTiledDv : 1];
  const Index stride = job.value_stride;
  for (int r = 0; r < R; ++r) {
    sum[r] = Vec<T>{};
    sum2[r] = Vec<T>{};
    refined_weight[r] = 0;
    if constexpr (kTiledValues) {
      for (Index c = 0; c < dv; ++c) acc[r][c] = Vec<T>{};
    } else {
      for (Index c = 0; c < stride; ++c) s.acc_rows[r * stride + c] = T(0);
    }
  }

  // Steps 2-4 for one tile whose fast logits are computed.
  auto finish_tile = [&](Index tile, const Vec<T>* logit) __attribute__((always_inline)) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      if (__builtin_expect(running_max[r] == -__builtin_huge_valf(), 0))
        running_max[r] = horizontal_max<T>(logit[r]);
      Vec<T> delta = logit[r] - splat(running_max[r]);
      // 2. Recompute exactly the logits that can matter when rounding could show.
      unsigned refined = 0;
      if (needs_refinement[r]) {
        unsigned candidates = lane_mask(delta, splat(T(best[r] - cut[r])));
        if (__builtin_expect(candidates != 0, 0)) {
          if (lane_mask(delta, splat(best[r]))) {
            best[r] = horizontal_max<T>(delta);
            candidates = lane_mask(delta, splat(T(best[r] - cut[r])));
          }
          refined = candidates;
          delta = exact_logits(job, job.queries + (block_begin + slots[r]) * dk, tile, candidates,
                               delta, query_const[r] - double(running_max[r]));
        }
      }
      // 3. Move the running maximum when a logit overtakes it by more than kSlack.
      if (__builtin_expect(lane_mask(delta, splat(T(kSlack))) != 0, 0)) {
        const T new_max = T(double(running_max[r]) + double(horizontal_max<T>(delta)));
        const double shift = double(new_max) - double(running_max[r]);
        running_max[r] = new_max;
        delta -= T(shift);
        best[r] = T(double(best[r]) - shift);
        const double factor = __builtin_exp(-shift);
        const T lane_factor = T(factor);
        sum[r] *= lane_factor;
        sum2[r] *= lane_factor * lane_factor;
        refined_weight[r] *= factor;
        if constexpr (kTiledValues) {
          for (Index c = 0; c < dv; ++c) acc[r][c] *= lane_factor;
        } else {
          for (Index c = 0; c < dv; ++c) s.acc_rows[r * stride + c] *= lane_factor;
        }
        if (primary[r]) s.rescale(slots[r], dv, factor);
      }
      // 4. Weights and the weighted accumulation.
      const Vec<T> w = vexp(delta);
      sum[r] += w;
      sum2[r] += w * w;
      for (unsigned bits = refined; bits; bits &= bits - 1)
        refined_weight[r] += double(w[__builtin_ctz(bits)]);
      if constexpr (kTiledValues) {
        const T* v = job.value_tiles + tile * dv * W;
        for (Index c = 0; c < dv; ++c) acc[r][c] += w * load(v + c * W);
      } else {
        store(s.weights + r * W, w);
      }
    }
    if constexpr (!kTiledValues) {
      const T* v = job.value_rows + tile * W * stride;
      constexpr int kColumnBlock = kVectorBytes == 64 && R <= 4 ? 4 : kVectorBytes == 64 ? 2 : 1;
      Index c = accumulate_rows<T, R, kColumnBlock>(v, stride, s.weights, s.acc_rows, 0, stride);
      accumulate_rows<T, R, 1>(v, stride, s.weights, s.acc_rows, c, stride);
    }
  };

  // 1. Fast logits: a register-blocked GEMM (R queries x KT tiles of W keys) plus the
  // key bias. Two tiles at a time halve the broadcasts per FMA when d is large.
  constexpr int KT = kTiledValues ? 1 : 2;
  Index tile = t0;
  for (; tile + KT <= t1; tile += KT) {
    Vec<T> logit[KT][R] = {};
    const T* k = job.key_tiles + tile * dk * W;
    for (Index c = 0; c < dk; ++c) {
      Vec<T> kc[KT];
#pragma GCC unroll 2
      for (int t = 0; t < KT; ++t) kc[t] = load(k + (t * dk + c) * W);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const Vec<T> qc = splat(q[r][c]);
#pragma GCC unroll 2
        for (int t = 0; t < KT; ++t) logit[t][r] += qc * kc[t];
      }
    }
    for (int t = 0; t < KT; ++t) {
      const Vec<T> bias = load(job.key_bias + (tile + t) * W);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) logit[t][r] -= bias;
      finish_tile(tile + t, logit[t]);
    }
  }
  for (; tile < t1; ++tile) {
    Vec<T> logit[R] = {};
    const T* k = job.key_tiles + tile * dk * W;
    for (Index c = 0; c < dk; ++c) {
      const Vec<T> kc = load(k + c * W);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) logit[r] += splat(q[r][c]) * kc;
    }
    const Vec<T> bias = load(job.key_bias + tile * W);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) logit[r] -= bias;
    finish_tile(tile, logit);
  }

  // Flush into the block state.
  for (int r = 0; r < R; ++r) {
    if (!primary[r]) continue;
    const Index slot = slots[r];
    s.running_max[slot] = running_max[r];
    s.best[slot] = best[r];
    s.dsum[slot] += horizontal_sum<T>(sum[r]);
    s.dsum2[slot] += horizontal_sum<T>(sum2[r]);
    s.drefined[slot] += refined_weight[r];
    if constexpr (kTiledValues) {
      for (Index c = 0; c < dv; ++c) s.dacc[slot * dv + c] += horizontal_sum<T>(acc[r][c]);
    } else {
      for (Index c = 0; c < dv; ++c) s.dacc[slot * dv + c] += double(s.acc_rows[r * stride + c]);
    }
  }
}

// Queries [begin, end): key chunks outermost so each chunk of keys and values stays in
// cache while every query of the block streams over it.
template <class T, int R, int DK, int DV, bool kTiledValues>
void run_range(const Job<T>& job, Index begin, Index end) {
  constexpr int W = kLanes<T>;
  const Index tiles = (job.m + W - 1) / W;
  const Index count = end - begin;
  const Index dv = job.dv;
  BlockState<T> state(count, R, dv, job.value_stride);
  bool may_refine = false;
  for (Index slot = 0; slot < count; ++slot)
    may_refine = may_refine || logit_error_bound(job, begin + slot) > job.refine_tolerance;
  for (Index t0 = 0; t0 < tiles; t0 += kChunkTiles) {
    const Index t1 = t0 + kChunkTiles < tiles ? t0 + kChunkTiles : tiles;
    if (may_refine) {
      // The exact logits read the original key rows of this chunk: fetch them once for
      // the block instead of missing the cache on every recomputed key.
      const char* first = reinterpret_cast<const char*>(job.keys + t0 * W * job.dk);
      const char* last = reinterpret_cast<const char*>(job.keys + (t1 * W < job.m ? t1 * W : job.m) * job.dk);
      for (const char* line = first; line < last; line += 64) __builtin_prefetch(line, 0, 2);
    }
    for (Index g = 0; g < count; g += R) {
      Index slots[R];
      for (int r = 0; r < R; ++r) slots[r] = g + r < count ? g + r : count - 1;
      run_group_chunk<T, R, DK, DV, kTiledValues>(job, begin, slots, t0, t1, false, state);
    }
  }
  for (Index slot = 0; slot < count; ++slot) {
    // The optimistic cut left too much weight on inexact logits: redo this query.
    const double bound = logit_error_bound(job, begin + slot);
    const double inexact_weight = state.dsum[slot] - state.drefined[slot];
    if (!(bound > job.refine_tolerance && bound * inexact_weight > job.refine_tolerance * state.dsum[slot]))
      continue;
    state.reset(slot, dv);
    Index slots[R];
    for (int r = 0; r < R; ++r) slots[r] = slot;
    for (Index t0 = 0; t0 < tiles; t0 += kChunkTiles) {
      const Index t1 = t0 + kChunkTiles < tiles ? t0 + kChunkTiles : tiles;
      run_group_chunk<T, R, DK, DV, kTiledValues>(job, begin, slots, t0, t1, true, state);
    }
  }
  for (Index slot = 0; slot < count; ++slot) {
    const Index j = begin + slot;
    for (Index c = 0; c < dv; ++c)
      job.mean[j * dv + c] = T(state.dacc[slot * dv + c] / state.dsum[slot]);
    if (job.neff) job.neff[j] = T(state.dsum[slot] * state.dsum[slot] / state.dsum2[slot]);
  }
}

template <class T>
void run(const Job<T>& job, Index begin, Index end) {
  constexpr int W = kLanes<T>;
  if (job.dv < W) {
    constexpr int R = 4;
    if (job.dk == 1 && job.dv == 1) return run_range<T, R, 1, 1, true>(job, begin, end);
    if (job.dk == 2 && job.dv == 2) return run_range<T, R, 2, 2, true>(job, begin, end);
    if (job.dk == 3 && job.dv == 3) return run_range<T, R, 3, 3, true>(job, begin, end);
    if (job.dk == 4 && job.dv == 4) return run_range<T, R, 4, 4, true>(job, begin, end);
    return run_range<T, R, 0, 0, true>(job, begin, end);
  }
  return run_range<T, 4, 0, 0, false>(job, begin, end);
}

void run_f32(const Job<float>& job, Index begin, Index end) { run(job, begin, end); }
void run_f64(const Job<double>& job, Index begin, Index end) { run(job, begin, end); }

}  // namespace

// Constant-initialized data: selecting a table runs no code of its ISA.
extern const KernelTable kernel_table;
const KernelTable kernel_table{KFM_STRINGIFY(KFM_ISA_NAMESPACE), kLanes<float>, kLanes<double>,
                               &run_f32, &run_f64};

}  // namespace kfm::fused::KFM_ISA_NAMESPACE
