// gemm-specific checks: the blocked GEMM backend against the float64 reference
// on random and adversarial inputs (including inputs where the plain GEMM form
// of the logits loses all digits), sizes that are not multiples of its query
// and key blocks, and bit-identical results for 1, 2 and 4 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kfm/flow_time.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

constexpr double kF64Bound = 1e-9;  // include/kfm/velocity.hpp
constexpr double kF32Bound = 3e-4;

// N(mean, sd^2) entries, Box-Muller on mt19937_64 (reproducible everywhere).
Matrix<double> normal(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, double sd = 1.0,
                      double mean = 0.0) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return (double(rng() >> 11) + 0.5) * 0x1.0p-53; };
  Matrix<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i)
    m.data()[i] =
        mean + sd * std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * M_PI * uniform());
  return m;
}

// Points on the flow path at time t: t * s + sigma_t * noise, s cycling over the support.
Matrix<double> on_path(const Matrix<double>& support, Eigen::Index n, double t,
                       std::uint64_t seed) {
  const FlowTime time(t, 0.01);
  Matrix<double> x = time.sigma_t() * normal(n, support.cols(), seed);
  for (Eigen::Index j = 0; j < n; ++j) x.row(j) += t * support.row(j % support.rows());
  return x;
}

struct Case {
  std::string name;
  Matrix<double> queries, support;
  double t;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  std::uint64_t seed = 100;
  for (double t : {1e-4, 0.05, 0.5, 0.95, 1.0}) {
    const std::string at = " t=" + std::to_string(t);
    for (Eigen::Index d : {2, 16, 64}) {
      const Matrix<double> s = normal(300, d, seed++);
      out.push_back({"normal d=" + std::to_string(d) + at, on_path(s, 40, t, seed++), s, t});
    }
    // Far from the origin: scale |k|^2 ~ 5e10 at t = 1 without centring.
    const Matrix<double> far = normal(300, 8, seed++, 1.0, 1e3);
    out.push_back({"far" + at, on_path(far, 40, t, seed++), far, t});
    // Raw N(0,1) queries against far data: every query is ~1e3 from the keys.
    out.push_back({"far, queries at origin" + at, normal(20, 8, seed++), far, t});
    // Coordinates up to 1e3 around the origin.
    const Matrix<double> wide = normal(300, 5, seed++, 1e3);
    out.push_back({"wide" + at, on_path(wide, 40, t, seed++), wide, t});
    // Two tight clusters far apart, with many duplicates: centring on the mean
    // leaves |k - c| ~ 1e3, so only the recomputation near the maximum helps.
    Matrix<double> tight = normal(400, 6, seed++, 1e-3);
    for (Eigen::Index i = 0; i < tight.rows(); ++i)
      tight.row(i).array() += (i % 2 ? 1e3 : -1e3) + (i % 10 < 4 ? 0.0 : 1e-2 * double(i % 3));
    out.push_back({"tight clusters" + at, on_path(tight, 40, t, seed++), tight, t});
  }
  return out;
}

template <class T>
VelocityField<double> run(const Matrix<double>& x, const Matrix<double>& s, VelocityOptions o) {
  const VelocityField<T> f = velocity<T>(x.cast<T>(), s.cast<T>(), o);
  return {f.u.template cast<double>(), f.neff.template cast<double>()};
}

// L_j, the largest logit of query j (for the float n_eff bound).
Vector<double> max_logits(const Matrix<double>& x, const Matrix<double>& s, double t) {
  const FlowTime time(t, 0.01);
  Vector<double> out(x.rows());
  for (Eigen::Index j = 0; j < x.rows(); ++j)
    out(j) = -((s.rowwise() - x.row(j) / t).rowwise().squaredNorm().minCoeff()) *
             time.logit_scale();
  return out;
}

struct Errors {
  double u = 0.0, neff = 0.0;
};

// Contract errors of the gemm backend in precision T against the float64
// reference on the same (rounded to T) inputs.
template <class T>
Errors contract_errors(const Matrix<double>& queries, const Matrix<double>& support, double t) {
  const Matrix<double> x = queries.cast<T>().template cast<double>();
  const Matrix<double> s = support.cast<T>().template cast<double>();
  VelocityOptions o;
  o.t = t;
  o.want_neff = true;
  o.backend = "reference";
  const VelocityField<double> ref = run<double>(x, s, o);
  o.backend = "gemm";
  const VelocityField<double> got = run<T>(x, s, o);
  EXPECT_TRUE(got.u.allFinite());
  Errors e;
  e.u = (got.u - ref.u).cwiseAbs().maxCoeff() / (1.0 + ref.u.cwiseAbs().maxCoeff());
  const Vector<double> L = max_logits(x, s, t);
  for (Eigen::Index j = 0; j < x.rows(); ++j) {
    double rel = std::abs(got.neff(j) - ref.neff(j)) / ref.neff(j);
    if (std::is_same_v<T, float>) rel /= 1.0 + std::abs(L(j));
    e.neff = std::max(e.neff, rel);
  }
  return e;
}

TEST(GemmBackend, Float64MatchesReferenceOnAdversarialInputs) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const Errors e = contract_errors<double>(c.queries, c.support, c.t);
    EXPECT_LE(e.u, kF64Bound);
    EXPECT_LE(e.neff, kF64Bound);
  }
}

TEST(GemmBackend, Float32MatchesReferenceOnAdversarialInputs) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const Errors e = contract_errors<float>(c.queries, c.support, c.t);
    EXPECT_LE(e.u, kF32Bound);
    EXPECT_LE(e.neff, kF32Bound);
  }
}

TEST(GemmBackend, MahalanobisMatchesReference) {
  const Matrix<double> a = normal(6, 6, 7);
  const Matrix<double> metric = a * a.transpose() / 6.0 + 0.3 * Matrix<double>::Identity(6, 6);
  const Matrix<double> s = normal(500, 6, 8, 3.0, 50.0);
  const Matrix<double> x = on_path(s, 50, 0.9, 9);
  VelocityOptions o;
  o.t = 0.9;
  o.want_neff = true;
  o.metric = Metric::mahalanobis(metric);
  o.backend = "reference";
  const VelocityField<double> ref = run<double>(x, s, o);
  o.backend = "gemm";
  const VelocityField<double> got = run<double>(x, s, o);
  EXPECT_LE((got.u - ref.u).cwiseAbs().maxCoeff() / (1.0 + ref.u.cwiseAbs().maxCoeff()),
            kF64Bound);
  EXPECT_LE(((got.neff - ref.neff).array() / ref.neff.array()).abs().maxCoeff(), kF64Bound);
}

// sigma_min = 1e-15 at t = 1 puts scale = 1 / (2 h^2) near 4e29, and data of
// scale 1e5 make scale |k|^2 overflow float in the GEMM form, while the
// explicit differences (in double) still work.
TEST(GemmBackend, LogitsBeyondTheFloatRangeStayExact) {
  const Matrix<double> s = normal(50, 3, 40, 1e5);
  const Matrix<double> x = s.topRows(10) + normal(10, 3, 41, 1e-9);
  VelocityOptions o;
  o.t = 1.0;
  o.sigma_min = 1e-15;
  o.want_neff = true;
  o.backend = "reference";
  const VelocityField<double> ref = run<float>(x, s, o);
  o.backend = "gemm";
  const VelocityField<double> got = run<float>(x, s, o);
  ASSERT_TRUE(ref.u.allFinite()) << ref.u;
  ASSERT_TRUE(got.u.allFinite()) << got.u;
  ASSERT_TRUE(got.neff.allFinite());
  EXPECT_LE((got.u - ref.u).cwiseAbs().maxCoeff() / (1.0 + ref.u.cwiseAbs().maxCoeff()), kF32Bound);
  EXPECT_LE(((got.neff - ref.neff).array() / ref.neff.array()).abs().maxCoeff(), kF32Bound);
}

// Query blocks of 128 and key blocks of 1024: sizes below, at and across both.
TEST(GemmBackend, SizesThatAreNotBlockMultiples) {
  std::uint64_t seed = 500;
  for (Eigen::Index n : {1, 7, 257, 3000})
    for (Eigen::Index m : {1, 7, 257, 3000}) {
      if (n * m > 1'000'000) continue;  // 257 x 3000 already spans several blocks both ways
      SCOPED_TRACE("n=" + std::to_string(n) + " m=" + std::to_string(m));
      const Matrix<double> s = normal(m, 3, seed++, 2.0);
      const Matrix<double> x = on_path(s, n, 0.7, seed++);
      const Errors e64 = contract_errors<double>(x, s, 0.7);
      EXPECT_LE(e64.u, kF64Bound);
      EXPECT_LE(e64.neff, kF64Bound);
      const Errors e32 = contract_errors<float>(x, s, 0.7);
      EXPECT_LE(e32.u, kF32Bound);
      EXPECT_LE(e32.neff, kF32Bound);
    }
}

template <class T>
void expect_thread_count_invariant(const Matrix<double>& x, const Matrix<double>& s, double t) {
  VelocityOptions o;
  o.t = t;
  o.want_neff = true;
  o.backend = "gemm";
  o.threads = 1;
  const VelocityField<T> one = velocity<T>(x.cast<T>(), s.cast<T>(), o);
  for (int threads : {2, 4}) {
    o.threads = threads;
    const VelocityField<T> many = velocity<T>(x.cast<T>(), s.cast<T>(), o);
    EXPECT_TRUE(one.u == many.u) << threads << " threads";  // bit-identical, not close
    EXPECT_TRUE(one.neff == many.neff) << threads << " threads";
  }
}

TEST(GemmBackend, BitIdenticalForOneTwoAndFourThreads) {
  // Several query and key blocks; the far data also takes the recomputation path.
  const Matrix<double> s = normal(2500, 7, 600);
  const Matrix<double> x = on_path(s, 900, 0.6, 601);
  expect_thread_count_invariant<float>(x, s, 0.6);
  expect_thread_count_invariant<double>(x, s, 0.6);
  const Matrix<double> far = normal(2100, 4, 602, 1.0, 1e3);
  const Matrix<double> xf = on_path(far, 600, 1.0, 603);
  expect_thread_count_invariant<float>(xf, far, 1.0);
  expect_thread_count_invariant<double>(xf, far, 1.0);
}

}  // namespace
}  // namespace kfm
