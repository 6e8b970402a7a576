// ISA-specific calibration kernels. They use GCC target attributes (no global
// -m flags), raw pointers and intrinsics only: no Eigen or other inline library
// templates may be instantiated for a wider ISA than the CPU we run on.
#include "calibration_kernels.hpp"

#include <immintrin.h>

#include <cmath>

namespace kfm::bench {
namespace {

constexpr int kChains = 12;  // independent FMA chains: hides latency on every x86 core
volatile float g_sink = 0.0f;  // keeps results observable so nothing is optimized away

bool has_avx512() { return __builtin_cpu_supports("avx512f") != 0; }
bool has_avx2_fma() {
  return __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("fma") != 0;
}

// Horizontal sum via memory: GCC 12's _mm512_reduce_add_ps trips -Wuninitialized.
__attribute__((target("avx512f"))) float lane_sum(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float sum = 0.0f;
  for (float x : lanes) sum += x;
  return sum;
}

// acc = acc * a + b converges to b / (1 - a): finite, no denormals.
__attribute__((target("avx512f"))) double fma_avx512(std::int64_t reps) {
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(1.0f + 0.01f * float(k));
  for (std::int64_t r = 0; r < reps; ++r)
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  __m512 total = acc[0];
  for (int k = 1; k < kChains; ++k) total = _mm512_add_ps(total, acc[k]);
  g_sink = g_sink + lane_sum(total);
  return double(reps) * kChains * 16 * 2;
}

__attribute__((target("avx2,fma"))) double fma_avx2(std::int64_t reps) {
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  __m256 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm256_set1_ps(1.0f + 0.01f * float(k));
  for (std::int64_t r = 0; r < reps; ++r)
    for (int k = 0; k < kChains; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  __m256 total = acc[0];
  for (int k = 1; k < kChains; ++k) total = _mm256_add_ps(total, acc[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, total);
  float sum = 0.0f;
  for (float v : lanes) sum += v;
  g_sink = g_sink + sum;
  return double(reps) * kChains * 8 * 2;
}

double fma_portable(std::int64_t reps) {
  float acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = 1.0f + 0.01f * float(k);
  for (std::int64_t r = 0; r < reps; ++r)
    for (int k = 0; k < kChains; ++k) acc[k] = acc[k] * 0.999999f + 1e-7f;
  float sum = 0.0f;
  for (float v : acc) sum += v;
  g_sink = g_sink + sum;
  return double(reps) * kChains * 2;
}

// exp(x) = 2^n * p(r), n = round(x log2 e), r = x - n ln 2 (two-part ln 2),
// p a degree-6 Taylor polynomial: relative error ~1e-7 on [-87, 0], the cost
// profile of the exp inside a fused softmax kernel.
constexpr float kLog2e = 1.44269504f, kLn2Hi = 0.693145752f, kLn2Lo = 1.42860677e-6f;
constexpr float kC[7] = {1.0f, 1.0f, 0.5f, 1.0f / 6, 1.0f / 24, 1.0f / 120, 1.0f / 720};

__attribute__((target("avx512f"))) double exp_avx512(float* scratch, std::size_t count,
                                                     std::int64_t reps) {
  const float* in = scratch;
  float* out = scratch + count;
  const std::size_t vec_count = count / 16 * 16;
  __m512 total = _mm512_setzero_ps();
  for (std::int64_t r = 0; r < reps; ++r) {
    for (std::size_t i = 0; i < vec_count; i += 16) {
      const __m512 x = _mm512_max_ps(_mm512_loadu_ps(in + i), _mm512_set1_ps(-87.0f));
      const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      __m512 t = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
      t = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), t);
      __m512 p = _mm512_set1_ps(kC[6]);
      for (int k = 5; k >= 0; --k) p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(kC[k]));
      const __m512 e = _mm512_scalef_ps(p, n);
      _mm512_storeu_ps(out + i, e);
      total = _mm512_add_ps(total, e);
    }
  }
  g_sink = g_sink + lane_sum(total);
  return double(reps) * double(vec_count);
}

__attribute__((target("avx2,fma"))) double exp_avx2(float* scratch, std::size_t count,
                                                    std::int64_t reps) {
  const float* in = scratch;
  float* out = scratch + count;
  const std::size_t vec_count = count / 8 * 8;
  __m256 total = _mm256_setzero_ps();
  for (std::int64_t r = 0; r < reps; ++r) {
    for (std::size_t i = 0; i < vec_count; i += 8) {
      const __m256 x = _mm256_max_ps(_mm256_loadu_ps(in + i), _mm256_set1_ps(-87.0f));
      const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)),
                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      __m256 t = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x);
      t = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), t);
      __m256 p = _mm256_set1_ps(kC[6]);
      for (int k = 5; k >= 0; --k) p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(kC[k]));
      const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
      const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23));
      const __m256 e = _mm256_mul_ps(p, scale);
      _mm256_storeu_ps(out + i, e);
      total = _mm256_add_ps(total, e);
    }
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, total);
  float sum = 0.0f;
  for (float v : lanes) sum += v;
  g_sink = g_sink + sum;
  return double(reps) * double(vec_count);
}

double exp_portable(float* scratch, std::size_t count, std::int64_t reps) {
  const float* in = scratch;
  float* out = scratch + count;
  float total = 0.0f;
  for (std::int64_t r = 0; r < reps; ++r)
    for (std::size_t i = 0; i < count; ++i) total += (out[i] = std::exp(in[i]));
  g_sink = g_sink + total;
  return double(reps) * double(count);
}

}  // namespace

std::string_view calibration_isa() {
  if (has_avx512()) return "avx512f";
  if (has_avx2_fma()) return "avx2+fma";
  return "baseline";
}

double fma_kernel(std::int64_t reps) {
  if (has_avx512()) return fma_avx512(reps);
  if (has_avx2_fma()) return fma_avx2(reps);
  return fma_portable(reps);
}

double exp_kernel(float* scratch, std::size_t count, std::int64_t reps) {
  if (has_avx512()) return exp_avx512(scratch, count, reps);
  if (has_avx2_fma()) return exp_avx2(scratch, count, reps);
  return exp_portable(scratch, count, reps);
}

double triad_kernel(float* a, const float* b, const float* c, std::size_t count,
                    std::int64_t reps) {
  // Memory bound on any ISA: the compiler's baseline vectorization suffices.
  const float s = 1.0001f;
  for (std::int64_t r = 0; r < reps; ++r) {
    for (std::size_t i = 0; i < count; ++i) a[i] = b[i] + s * c[i];
    asm volatile("" ::: "memory");  // every pass must really store
  }
  g_sink = g_sink + a[count / 2];
  return double(reps) * double(count) * 3.0 * sizeof(float);
}

}  // namespace kfm::bench
