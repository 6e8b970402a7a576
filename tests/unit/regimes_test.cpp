// kfm regimes: the document's schema, determinism across thread counts, and
// the physics the experiments rest on (n_eff bounds and its fall with t).
#include "kfm/regimes.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "kfm/backend.hpp"
#include "kfm/error.hpp"
#include "kfm/flow_time.hpp"
#include "kfm/generators.hpp"
#include "kfm/random.hpp"

namespace kfm {
namespace {

regimes::Config tiny_config() {
  regimes::Config c = regimes::Config::quick();
  c.collapse.dims = {2, 8};
  c.collapse.times = {0.05, 0.56, 1.0};
  c.collapse.m = 10;
  c.collapse.tasks = 3;
  c.collapse.queries = 8;
  c.collapse.error_tasks = 2;
  c.collapse.uniform_t_strata = 4;
  c.collapse.uniform_t_queries = 2;
  c.mismatch.dims = {3};
  c.mismatch.times = {0.3, 0.56};
  c.mismatch.m = 10;
  c.mismatch.tasks = 2;
  c.mismatch.queries = 6;
  c.mismatch.proxy_size = 300;
  c.mismatch.proxy_queries = 4;
  c.mismatch.samples = 12;
  c.mismatch.targets = 12;
  c.mismatch.steps = 8;
  c.scarcity.dims = {2};
  c.scarcity.ms = {10, 20, 40};
  c.scarcity.tasks = 3;
  c.scarcity.queries = 8;
  c.scarcity.samples = 12;
  c.scarcity.targets = 12;
  c.scarcity.steps = 8;
  c.scarcity.mmd_tasks = 2;
  c.scarcity.tail_min_m = 10;
  c.data.times = {0.3, 0.56};
  c.data.tasks = 2;
  c.data.queries = 6;
  c.data.m = 10;
  c.data.ms = {10, 20, 40};
  c.data.samples = 12;
  c.data.steps = 8;
  return c;
}

Matrix<double> user_points() {
  Rng rng(7);
  return make_gmm(3, GmmParams{}, rng).sample(120, rng);
}

regimes::Request tiny_request(int threads, std::uint64_t seed = 3) {
  regimes::Request r;
  r.experiments = {"collapse", "mismatch", "scarcity"};
  r.seed = seed;
  r.threads = threads;
  r.config = tiny_config();
  r.data_path = "points.npy";
  r.data = user_points();
  return r;
}

// The document without what legitimately differs between runs.
nlohmann::json results_only(nlohmann::json doc) {
  doc.erase("provenance");
  doc["request"].erase("threads");
  for (const char* s : {"collapse", "mismatch", "scarcity", "data"})
    if (doc.contains(s)) doc[s].erase("seconds");
  return doc;
}

TEST(Regimes, TimeForBandwidthInvertsFlowTime) {
  for (double t : {0.01, 0.3, 0.56, 0.9, 1.0}) {
    const FlowTime time(t, 0.01);
    EXPECT_NEAR(regimes::time_for_bandwidth(time.bandwidth(), 0.01), t, 1e-12);
  }
  EXPECT_THROW(regimes::time_for_bandwidth(0.005, 0.01), Error);
  EXPECT_THROW(regimes::time_for_bandwidth(std::nan(""), 0.01), Error);
}

TEST(Regimes, DocumentHasTheSchemaFields) {
  const nlohmann::json doc = regimes::run(tiny_request(1));
  EXPECT_EQ(doc.at("schema"), "kfm.regimes/1");
  for (const char* key : {"commit", "compiler", "cxx_flags", "build_type", "date_utc", "hostname",
                          "cpu_model", "threads_used", "kfm_version"})
    EXPECT_TRUE(doc.at("provenance").contains(key)) << key;
  EXPECT_EQ(doc.at("seeds").at("base"), 3);
  EXPECT_EQ(doc.at("request").at("backend"), default_backend_name());

  const auto& collapse = doc.at("collapse");
  EXPECT_EQ(collapse.at("parameters").at("m"), 10);
  ASSERT_EQ(collapse.at("results").size(), 4u);  // 2 generators x 2 dims
  for (const auto& r : collapse.at("results")) {
    ASSERT_EQ(r.at("by_t").size(), 3u);
    for (const auto& row : r.at("by_t")) {
      const double mean = row.at("neff").at("mean");
      EXPECT_GE(mean, 1.0 - 1e-12);
      EXPECT_LE(mean, 10.0 + 1e-9);
      EXPECT_LE(row.at("neff").at("ci_low").get<double>(), mean);
      EXPECT_TRUE(row.at("neff_queries").contains("q95"));
      EXPECT_EQ(row.contains("velocity_rel_mse"), r.at("generator") == "gmm");
    }
    // Early steps average broadly, late ones are nearest neighbour.
    EXPECT_GT(r.at("by_t")[0].at("neff").at("mean").get<double>(),
              r.at("by_t")[2].at("neff").at("mean").get<double>());
    EXPECT_TRUE(r.at("neff_t_uniform").at("neff").contains("mean"));
  }
  const auto& mismatch = doc.at("mismatch").at("results");
  ASSERT_EQ(mismatch.size(), 2u);
  for (const auto& r : mismatch) {
    for (const char* k : {"isotropic", "whitened", "support_baseline", "iso_minus_white"})
      EXPECT_TRUE(r.at("mmd2").contains(k)) << k;
    for (const auto& row : r.at("by_t"))
      for (const char* kernel : {"isotropic", "whitened"})
        EXPECT_GE(row.at(kernel).at("velocity_rel_mse").at("mean").get<double>(), 0.0);
  }
  const auto& scarcity = doc.at("scarcity").at("results").at(0);
  for (const char* kind : {"adapted", "fixed"}) {
    ASSERT_EQ(scarcity.at(kind).at("by_m").size(), 3u);
    EXPECT_TRUE(scarcity.at(kind).at("fit_mean_mse").contains("exponent"));
    EXPECT_TRUE(scarcity.at(kind).at("fit_mean_mse").contains("ci_low"));
  }
  EXPECT_NEAR(scarcity.at("adapted").at("fit_mean_mse").at("theory").get<double>(), 4.0 / 6.0,
              1e-12);
  EXPECT_EQ(scarcity.at("mmd2_by_m").size(), 3u);
  EXPECT_TRUE(doc.at("data").at("verdict").contains("regime"));
  EXPECT_EQ(doc.at("data").at("source"), "points.npy");
}

TEST(Regimes, IdenticalForAnyThreadCount) {
  const nlohmann::json one = results_only(regimes::run(tiny_request(1)));
  const nlohmann::json two = results_only(regimes::run(tiny_request(2)));
  const nlohmann::json three = results_only(regimes::run(tiny_request(3)));
  EXPECT_EQ(one.dump(), two.dump());
  EXPECT_EQ(one.dump(), three.dump());
}

TEST(Regimes, TheSeedMatters) {
  regimes::Request a = tiny_request(1, 3), b = tiny_request(1, 4);
  a.experiments = b.experiments = {"collapse"};
  a.data.reset();
  b.data.reset();
  EXPECT_NE(results_only(regimes::run(a))["collapse"].dump(),
            results_only(regimes::run(b))["collapse"].dump());
}

TEST(Regimes, BadRequestsThrow) {
  regimes::Request r = tiny_request(1);
  r.experiments = {"collapse", "bogus"};
  EXPECT_THROW(regimes::run(r), Error);
  r = tiny_request(1);
  r.config->collapse.times = {0.0, 0.5};
  EXPECT_THROW(regimes::run(r), Error);
  r = tiny_request(1);
  r.experiments.clear();
  r.data.reset();
  EXPECT_THROW(regimes::run(r), Error);
  r = tiny_request(1);
  r.backend = "no-such-backend";
  EXPECT_THROW(regimes::run(r), Error);
  regimes::Common common;
  EXPECT_THROW(regimes::run_data(Matrix<double>::Zero(5, 2), tiny_config().data, common), Error);
}

}  // namespace
}  // namespace kfm
