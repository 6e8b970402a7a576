// Every registered backend, in both precisions and with both metrics, meets the
// accuracy contract of include/kfm/velocity.hpp against the float64 reference
// on the adversarial suite of tests/support/accuracy.hpp.
#include <gtest/gtest.h>

#include <tuple>

#include "accuracy.hpp"
#include "kfm/backend.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

using testing::adversarial_cases;

enum class Precision { f32, f64 };
using Param = std::tuple<std::string, Precision, bool /*mahalanobis*/>;

class BackendContract : public ::testing::TestWithParam<Param> {};

template <class T>
VelocityField<double> run_in(const testing::Case& c, const VelocityOptions& o) {
  VelocityField<T> f = velocity<T>(c.queries.cast<T>(), c.support.cast<T>(), o);
  return {f.u.template cast<double>(), f.neff.template cast<double>()};
}

TEST_P(BackendContract, MatchesFloat64Reference) {
  const auto& [backend, precision, mahalanobis] = GetParam();
  for (const testing::Case& original : adversarial_cases()) {
    SCOPED_TRACE(original.name);
    testing::Case c = original;
    if (precision == Precision::f32) {  // the reference sees the same (rounded) inputs
      c.queries = c.queries.cast<float>().cast<double>();
      c.support = c.support.cast<float>().cast<double>();
    }
    VelocityOptions o;
    o.t = c.t;
    o.sigma_min = c.sigma_min;
    o.want_neff = true;
    if (mahalanobis) {
      // Documented limit (velocity.hpp): in float32 the mapped points L^T x are
      // rounded to float once, which tight clusters 1e3 apart cannot survive.
      if (precision == Precision::f32 && c.name.rfind("tight_far", 0) == 0) continue;
      o.metric = Metric::mahalanobis(testing::random_spd(c.support.cols(), 99));
    }
    o.backend = "reference";
    const VelocityField<double> ref = run_in<double>(c, o);
    o.backend = backend;
    const VelocityField<double> got =
        precision == Precision::f32 ? run_in<float>(c, o) : run_in<double>(c, o);
    ASSERT_EQ(got.u.rows(), c.queries.rows());
    ASSERT_EQ(got.u.cols(), c.queries.cols());
    ASSERT_EQ(got.neff.size(), c.queries.rows());
    ASSERT_TRUE(got.u.allFinite());
    const double u_err = testing::velocity_error(got.u, ref.u);
    if (precision == Precision::f64) {
      EXPECT_LE(u_err, testing::kF64Bound);
      EXPECT_LE(testing::neff_error(got.neff, ref.neff), testing::kF64Bound);
    } else {
      const Vector<double> L =
          testing::max_logits(c.queries, c.support, FlowTime(c.t, c.sigma_min), o.metric);
      EXPECT_LE(u_err, testing::kF32Bound);
      EXPECT_LE(testing::neff_error(got.neff, ref.neff, L), testing::kF32Bound);
    }
  }
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  const auto& [backend, precision, mahalanobis] = info.param;
  return backend + (precision == Precision::f32 ? "_f32" : "_f64") +
         (mahalanobis ? "_mahalanobis" : "_iso");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BackendContract,
                         ::testing::Combine(::testing::ValuesIn(backend_names()),
                                            ::testing::Values(Precision::f32, Precision::f64),
                                            ::testing::Bool()),
                         param_name);

}  // namespace
}  // namespace kfm
