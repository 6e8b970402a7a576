#include "kfm/flow_time.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "kfm/error.hpp"

namespace kfm {
namespace {

TEST(FlowTime, ScheduleMatchesSpec) {
  const FlowTime time(0.25, 0.01);
  EXPECT_DOUBLE_EQ(time.sigma_t(), 1.0 - 0.99 * 0.25);
  EXPECT_DOUBLE_EQ(time.bandwidth(), time.sigma_t() / 0.25);
  EXPECT_DOUBLE_EQ(time.logit_scale(), 1.0 / (2.0 * time.bandwidth() * time.bandwidth()));
  EXPECT_DOUBLE_EQ(time.drift(), 0.99);
}

TEST(FlowTime, AtTimeOneBandwidthIsSigmaMin) {
  EXPECT_NEAR(FlowTime(1.0, 0.05).bandwidth(), 0.05, 1e-15);
}

TEST(FlowTime, TinySigmaMinStaysPositiveAtTimeOne) {
  const FlowTime time(1.0, 1e-18);
  EXPECT_EQ(time.sigma_t(), 1e-18);
  EXPECT_TRUE(std::isfinite(time.logit_scale()));
}

TEST(FlowTime, BandwidthDecreasesMonotonically) {
  double previous = std::numeric_limits<double>::infinity();
  for (double t = 1e-4; t <= 1.0; t *= 1.3) {
    const double h = FlowTime(t, 0.01).bandwidth();
    EXPECT_LT(h, previous) << "t = " << t;
    previous = h;
  }
}

TEST(FlowTime, RejectsOutOfRange) {
  for (double t : {0.0, -0.1, 1.0000001, std::nan(""), std::numeric_limits<double>::infinity()})
    EXPECT_THROW(FlowTime(t, 0.01), Error) << t;
  for (double s : {0.0, -1.0, 1.5, std::nan("")}) EXPECT_THROW(FlowTime(0.5, s), Error) << s;
  EXPECT_NO_THROW(FlowTime(1.0, 1.0));
}

}  // namespace
}  // namespace kfm
