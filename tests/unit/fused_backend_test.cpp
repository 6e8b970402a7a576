// The `fused` backend against the float64 reference, for every ISA this CPU runs,
// both precisions, isotropic and Mahalanobis kernels, on random and adversarial inputs
// (the accuracy contract of kfm/velocity.hpp); determinism across thread counts; and
// no n x m allocation.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kfm/backend.hpp"
#include "kfm/error.hpp"
#include "kfm/flow_time.hpp"
#include "kfm/isa.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

// Standard normals from mt19937_64 (Box-Muller): the same numbers on every platform.
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : rng_(seed) {}
  double operator()() {
    const double u1 = (double(rng_() >> 11) + 0.5) * 0x1p-53;
    const double u2 = double(rng_() >> 11) * 0x1p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  std::uint64_t index(std::uint64_t n) { return rng_() % n; }

 private:
  std::mt19937_64 rng_;
};

Matrix<double> normal_matrix(Eigen::Index rows, Eigen::Index cols, Normal& normal,
                             double sd = 1.0, double offset = 0.0) {
  Matrix<double> m(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c) m(r, c) = offset + sd * normal();
  return m;
}

// kClusterOnBackground: half the support in a cluster of radius ~0.01 away from the
// support mean, half spread N(0, 3^2): the case where the centred fast logits are not
// accurate enough at late t and the exact recomputation is needed.
enum class Kind { kNormal, kFarFromOrigin, kTightCluster, kDuplicates, kWideSpread, kClusterOnBackground };

struct Case {
  const char* name;
  Kind kind;
  Eigen::Index n, m, d;
  double t;
};

// Support and queries; half the queries lie on the flow's path at time t (x = t s + sigma_t z),
// half are arbitrary.
void make_case(const Case& c, std::uint64_t seed, Matrix<double>& queries,
               Matrix<double>& support) {
  Normal normal(seed);
  switch (c.kind) {
    case Kind::kNormal:
      support = normal_matrix(c.m, c.d, normal);
      break;
    case Kind::kFarFromOrigin:
      support = normal_matrix(c.m, c.d, normal, 1.0, 1e3);
      break;
    case Kind::kTightCluster: {
      const Matrix<double> centre = normal_matrix(1, c.d, normal, 10.0);
      support = normal_matrix(c.m, c.d, normal, 1e-3);
      support.rowwise() += centre.row(0);
      break;
    }
    case Kind::kDuplicates: {
      const Matrix<double> distinct = normal_matrix(std::max<Eigen::Index>(1, c.m / 8), c.d, normal);
      support.resize(c.m, c.d);
      for (Eigen::Index i = 0; i < c.m; ++i)
        support.row(i) = distinct.row(Eigen::Index(normal.index(std::uint64_t(distinct.rows()))));
      break;
    }
    case Kind::kWideSpread:
      support = normal_matrix(c.m, c.d, normal, 1e3);
      break;
    case Kind::kClusterOnBackground:
      support = normal_matrix(c.m, c.d, normal, 3.0);
      support.topRows(c.m / 2) = normal_matrix(c.m / 2, c.d, normal, 0.01, 3.0);
      break;
  }
  const FlowTime time(c.t, 0.01);
  queries.resize(c.n, c.d);
  for (Eigen::Index j = 0; j < c.n; ++j) {
    const Eigen::Index i = Eigen::Index(normal.index(std::uint64_t(c.m)));
    for (Eigen::Index k = 0; k < c.d; ++k) {
      const double z = normal();
      queries(j, k) = j % 2 == 0 ? c.t * support(i, k) + time.sigma_t() * z
                                 : support(i, k) + 3.0 * z;
    }
  }
}

Matrix<double> random_spd(Eigen::Index d, std::uint64_t seed) {
  Normal normal(seed);
  const Matrix<double> a = normal_matrix(d, d, normal, 0.5);
  return a * a.transpose() + Matrix<double>::Identity(d, d);
}

// The query's largest logit L (for the float n_eff tolerance), in double.
Vector<double> largest_logits(const Matrix<double>& queries, const Matrix<double>& support,
                              const VelocityOptions& o) {
  const FlowTime time(o.t, o.sigma_min);
  Matrix<double> q = queries / o.t, s = support;
  if (!o.metric.is_isotropic()) {
    q = o.metric.to_kernel_space(q);
    s = o.metric.to_kernel_space(s);
  }
  Vector<double> l(q.rows());
  for (Eigen::Index j = 0; j < q.rows(); ++j)
    l(j) = -(s.rowwise() - q.row(j)).rowwise().squaredNorm().minCoeff() * time.logit_scale();
  return l;
}

template <class T>
void expect_meets_contract(const Case& c, const VelocityOptions& base, std::uint64_t seed) {
  Matrix<double> qd, sd;
  make_case(c, seed, qd, sd);
  const Matrix<T> queries = qd.cast<T>(), support = sd.cast<T>();
  VelocityOptions o = base;
  o.t = c.t;
  o.want_neff = true;
  o.backend = "reference";
  const VelocityField<T> ref = velocity(queries, support, o);
  o.backend = "fused";
  const VelocityField<T> got = velocity(queries, support, o);
  ASSERT_EQ(got.u.rows(), ref.u.rows());
  ASSERT_EQ(got.u.cols(), ref.u.cols());
  ASSERT_EQ(got.neff.size(), ref.neff.size());

  const bool is_float = sizeof(T) == sizeof(float);
  const double u_tol = is_float ? 3e-4 : 1e-9;
  const Matrix<double> u_ref = ref.u.template cast<double>();
  const double u_err =
      (got.u.template cast<double>() - u_ref).cwiseAbs().maxCoeff() / (1.0 + u_ref.cwiseAbs().maxCoeff());
  EXPECT_LE(u_err, u_tol) << c.name << " d=" << c.d << " t=" << c.t << " isa=" << active_isa();

  const Vector<double> l = largest_logits(queries.template cast<double>(),
                                          support.template cast<double>(), o);
  double worst = 0;
  for (Eigen::Index j = 0; j < ref.neff.size(); ++j) {
    const double rel = std::abs(double(got.neff(j)) - double(ref.neff(j))) / double(ref.neff(j));
    const double tol = is_float ? 3e-4 * (1.0 + std::abs(l(j))) : 1e-9;
    worst = std::max(worst, rel / tol);
  }
  EXPECT_LE(worst, 1.0) << c.name << " neff error/tolerance, d=" << c.d << " t=" << c.t
                        << " isa=" << active_isa();
}

const std::vector<Case>& cases() {
  static const std::vector<Case> list{
      {"normal", Kind::kNormal, 37, 301, 2, 0.5},
      {"normal", Kind::kNormal, 37, 301, 3, 0.05},
      {"normal", Kind::kNormal, 21, 290, 16, 0.5},
      {"normal", Kind::kNormal, 21, 133, 17, 0.999},
      {"normal", Kind::kNormal, 9, 200, 64, 0.5},
      {"normal", Kind::kNormal, 9, 70, 130, 0.7},
      {"early", Kind::kNormal, 19, 250, 5, 1e-4},
      {"late", Kind::kNormal, 19, 250, 8, 1.0},
      {"far", Kind::kFarFromOrigin, 23, 211, 4, 0.999},
      {"far", Kind::kFarFromOrigin, 23, 211, 20, 0.3},
      {"far-early", Kind::kFarFromOrigin, 11, 90, 3, 1e-4},
      {"tight", Kind::kTightCluster, 23, 257, 2, 1.0},
      {"tight", Kind::kTightCluster, 23, 257, 9, 0.9},
      {"tight", Kind::kTightCluster, 15, 100, 33, 0.999},
      {"duplicates", Kind::kDuplicates, 17, 160, 6, 0.8},
      {"duplicates", Kind::kDuplicates, 17, 160, 24, 1.0},
      {"wide", Kind::kWideSpread, 17, 199, 3, 0.6},
      {"wide", Kind::kWideSpread, 17, 199, 12, 0.02},
      {"cluster-on-background", Kind::kClusterOnBackground, 40, 400, 2, 1.0},
      {"cluster-on-background", Kind::kClusterOnBackground, 40, 400, 16, 1.0},
      {"cluster-on-background", Kind::kClusterOnBackground, 40, 300, 16, 0.99},
      {"one-key", Kind::kNormal, 7, 1, 3, 0.5},
      {"one-dim", Kind::kNormal, 29, 77, 1, 0.5},
      {"one-dim-late", Kind::kTightCluster, 29, 77, 1, 1.0},
  };
  return list;
}

// Runs `body` once per ISA this CPU supports, then returns to the automatic choice.
template <class Body>
void for_each_isa(Body body) {
  for (std::string_view isa : supported_isas()) {
    force_isa(isa);
    SCOPED_TRACE(std::string(isa));
    ASSERT_EQ(active_isa(), isa);
    body();
  }
  force_isa("");
}

TEST(FusedBackend, IsTheDefault) { EXPECT_EQ(default_backend_name(), "fused"); }

TEST(FusedBackend, IsotropicFloatMeetsContract) {
  for_each_isa([] {
    std::uint64_t seed = 1;
    for (const Case& c : cases()) expect_meets_contract<float>(c, VelocityOptions{}, seed++);
  });
}

TEST(FusedBackend, IsotropicDoubleMeetsContract) {
  for_each_isa([] {
    std::uint64_t seed = 100;
    for (const Case& c : cases()) expect_meets_contract<double>(c, VelocityOptions{}, seed++);
  });
}

TEST(FusedBackend, MahalanobisMeetsContract) {
  for_each_isa([] {
    std::uint64_t seed = 200;
    for (const Case& c : cases()) {
      if (c.d > 40) continue;
      VelocityOptions o;
      o.metric = Metric::mahalanobis(random_spd(c.d, seed));
      expect_meets_contract<float>(c, o, seed);
      expect_meets_contract<double>(c, o, seed + 1);
      seed += 2;
    }
  });
}

TEST(FusedBackend, BitIdenticalForAnyThreadCount) {
  for (const Eigen::Index d : {2, 16, 40}) {
    Normal normal(7 + std::uint64_t(d));
    const Matrix<float> x = normal_matrix(203, d, normal).cast<float>();
    const Matrix<float> s = normal_matrix(517, d, normal).cast<float>();
    VelocityOptions o;
    o.backend = "fused";
    o.want_neff = true;
    o.threads = 1;
    const VelocityField<float> one = velocity(x, s, o);
    for (const int threads : {2, 4}) {
      o.threads = threads;
      const VelocityField<float> many = velocity(x, s, o);
      EXPECT_TRUE(many.u == one.u) << "d=" << d << " threads=" << threads;
      EXPECT_TRUE(many.neff == one.neff) << "d=" << d << " threads=" << threads;
    }
  }
}

TEST(FusedBackend, RejectsUnknownOrUnsupportedIsa) {
  EXPECT_THROW(force_isa("sse9"), Error);
  EXPECT_FALSE(supported_isas().empty());
  EXPECT_EQ(supported_isas().back(), "baseline");
  force_isa("");
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// n = m = 65536, d = 8: an n x m float matrix would be 16 GiB. Runs in a fresh child
// process (gtest death-test machinery) so the peak RSS is this computation's alone.
TEST(FusedBackend, NeverAllocatesNByM) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
#if defined(__SANITIZE_ADDRESS__)
  const Eigen::Index n = 1024;  // ASan is slow; n x m floats would still be 256 MiB
#else
  const Eigen::Index n = 65536;
#endif
  const Eigen::Index m = 65536, d = 8;
  EXPECT_EXIT(
      {
        Normal normal(11);
        const Matrix<float> x = normal_matrix(n, d, normal).cast<float>();
        const Matrix<float> s = normal_matrix(m, d, normal).cast<float>();
        VelocityOptions o;
        o.backend = "fused";
        o.want_neff = true;
        const long before = peak_rss_kib();
        const VelocityField<float> field = velocity(x, s, o);
        const long growth_kib = peak_rss_kib() - before;
        std::fprintf(stderr, "peak RSS growth %ld KiB\n", growth_kib);
        std::exit(growth_kib < 64 * 1024 && field.u.allFinite() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "peak RSS growth");
}

}  // namespace
}  // namespace kfm
