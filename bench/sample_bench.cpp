// BM_Sample/<backend>/f64/iso/d:../m:../n:../steps:100/threads:..: the end-to-end
// cost of a 100-step Euler sample (SPEC §5, §6: steps x one velocity evaluation),
// from x0 = the benchmark queries, through kfm::sample_flow. Registered once
// include/kfm/sampler.hpp exists (the regimes issue); until then nothing is.
// The final samples are checked on a few rows against the same flow integrated
// with the reference backend (rows are independent ODEs).
#include "suite.hpp"

#if __has_include("kfm/sampler.hpp")
#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <oneapi/tbb/info.h>

#include "inputs.hpp"
#include "kfm/backend.hpp"
#include "kfm/sampler.hpp"
#include "roofline.hpp"

namespace kfm::bench {
namespace {

constexpr int kSteps = 100;
constexpr Eigen::Index kCheckedRows = 8;
// Contract per step is 1e-9 (double); 100 steps of a contracting flow stay well inside.
constexpr double kSampleTolerance = 1e-6;

struct SampleCase {
  std::string backend;
  long d = 16, m = 1024, n = 256;
  int threads = 1;
  std::string name() const {
    return fmt::format("BM_Sample/{}/f64/iso/d:{}/m:{}/n:{}/steps:{}/threads:{}", backend, d, m,
                       n, kSteps, threads);
  }
};

struct SampleData {
  std::string name;
  Matrix<double> support, x0;
  std::vector<Eigen::Index> rows;  // checked rows
  Matrix<double> reference;        // reference-backend samples of those rows
  std::string error;
};

SampleOptions options_for(const std::string& backend, int threads) {
  SampleOptions o;
  o.steps = kSteps;
  o.solver = Solver::euler;
  o.backend = backend;
  o.threads = threads;
  return o;
}

const SampleData& prepare(const SampleCase& c) {
  static std::unique_ptr<SampleData> cached;  // one case at a time
  if (cached && cached->name == c.name()) return *cached;
  cached = std::make_unique<SampleData>();
  SampleData& data = *cached;
  data.name = c.name();
  try {
    data.support = benchmark_support(c.m, c.d);
    data.x0 = benchmark_queries(c.n, c.d);
    const Eigen::Index k = std::min<Eigen::Index>(kCheckedRows, c.n);
    Matrix<double> picked(k, c.d);
    for (Eigen::Index i = 0; i < k; ++i) {
      data.rows.push_back(k == 1 ? 0 : i * (c.n - 1) / (k - 1));
      picked.row(i) = data.x0.row(data.rows.back());
    }
    data.reference = sample_flow(data.support, picked, options_for("reference", 0));
  } catch (const std::exception& e) {
    data.error = fmt::format("reference sample failed: {}", e.what());
  }
  return data;
}

void sample_benchmark(benchmark::State& state, const SampleCase& c) {
  const SampleData& data = prepare(c);
  if (!data.error.empty()) return fail_benchmark(state, data.error);
  const SampleOptions options = options_for(c.backend, c.threads);
  Matrix<double> samples;
  try {
    for (auto _ : state) {
      samples = sample_flow(data.support, data.x0, options);
      benchmark::DoNotOptimize(samples.data());
      benchmark::ClobberMemory();
    }
  } catch (const std::exception& e) {
    return fail_benchmark(state, fmt::format("sample_flow failed: {}", e.what()));
  }
  double max_diff = 0.0, max_ref = 0.0;
  for (std::size_t i = 0; i < data.rows.size(); ++i) {
    const auto row = Eigen::Index(i);
    max_diff = std::max(max_diff, (samples.row(data.rows[i]) - data.reference.row(row))
                                      .cwiseAbs().maxCoeff());
    max_ref = std::max(max_ref, data.reference.row(row).cwiseAbs().maxCoeff());
  }
  const double err = max_diff / (1.0 + max_ref);
  if (!(err <= kSampleTolerance))
    return fail_benchmark(state, fmt::format("result check failed: samples differ from the "
                                             "reference flow by {:.3g} > {:.0e} on {} rows",
                                             err, kSampleTolerance, data.rows.size()));
  using benchmark::Counter;
  const double pairs = double(kSteps) * double(c.n) * double(c.m);
  state.counters["pairs/s"] = Counter(pairs, Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] =
      Counter(pairs * 4.0 * double(c.d) * 1e-9, Counter::kIsIterationInvariantRate);
  state.counters["roofline_fraction"] = Counter(
      pairs * roofline().seconds_per_pair(c.d, c.threads), Counter::kIsIterationInvariantRate);
  state.counters["check_err"] = err;
}

}  // namespace

void register_sample_benchmarks(SweepKind kind) {
  const int all = std::max(1, tbb::info::default_concurrency());
  const std::vector<long> dims = kind == SweepKind::quick ? std::vector<long>{16}
                                                          : std::vector<long>{16, 64};
  for (const std::string& backend : backend_names()) {
    if (backend == "reference") continue;  // ~1000x slower: it only serves as the check
    for (long d : dims) {
      SampleCase c;
      c.backend = backend;
      c.d = d;
      c.threads = all;
      benchmark::RegisterBenchmark(c.name().c_str(),
                                   [c](benchmark::State& state) { sample_benchmark(state, c); })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace kfm::bench

#else

namespace kfm::bench {

void register_sample_benchmarks(SweepKind) {}

}  // namespace kfm::bench

#endif
