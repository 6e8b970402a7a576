// BM_Velocity/<backend>/<f32|f64>/<iso|mahalanobis>/d:/m:/n:/t:/threads: times one
// kfm::velocity() call (the product's main operation) on fixed seeded inputs,
// after verifying the backend's answer against the reference.
#include <atomic>
#include <exception>
#include <memory>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <oneapi/tbb/info.h>

#include "heap_meter.hpp"
#include "inputs.hpp"
#include "kfm/backend.hpp"
#include "kfm/velocity.hpp"
#include "result_check.hpp"
#include "roofline.hpp"
#include "suite.hpp"

namespace kfm::bench {
namespace {

constexpr int kCheckedQueries = 16;
// The untimed verification run (with n_eff) uses at most this many leading
// queries, so it costs a quarter of a timed run on the large cases.
constexpr Eigen::Index kVerifiedQueries = 2048;
constexpr double kSigmaMin = 0.01;

std::atomic<int> g_failures{0};

struct CaseDataBase {
  virtual ~CaseDataBase() = default;
  std::string name;
};

// Everything a case needs, built once: Google Benchmark calls the benchmark
// function several times (iteration estimate, repetitions).
template <class T>
struct CaseData final : CaseDataBase {
  Matrix<T> queries, support;
  VelocityOptions options;
  ReferenceSample sample;
  CheckOutcome check;        // of the untimed verification run
  double neff_mean = 0;      // over the verified queries: the regime the case was timed in
};

template <class T>
void verify(const VelocityCase& c, CaseData<T>& data) {
  data.queries = benchmark_queries(c.n, c.d).cast<T>();
  data.support = benchmark_support(c.m, c.d).cast<T>();
  data.options.t = c.t();
  data.options.sigma_min = kSigmaMin;
  data.options.backend = c.backend;
  data.options.threads = c.threads;
  if (c.kernel == Kernel::mahalanobis) data.options.metric = Metric::mahalanobis(benchmark_metric(c.d));
  // The reference sees exactly the benchmark's inputs (rounded to T if f32).
  data.sample = reference_sample(data.queries.template cast<double>(),
                                 data.support.template cast<double>(), data.options,
                                 kCheckedQueries);
  // Verification with n_eff on the leading queries; the timed runs' velocity is
  // checked on every sampled row afterwards.
  VelocityOptions with_neff = data.options;
  with_neff.want_neff = true;
  const Eigen::Index verified = std::min<Eigen::Index>(c.n, kVerifiedQueries);
  const Matrix<T> leading = data.queries.topRows(verified);
  const VelocityField<T> field = velocity<T>(leading, data.support, with_neff);
  data.check = check_against_reference(rows_below(data.sample, verified), field.u, &field.neff);
  data.neff_mean = field.neff.template cast<double>().mean();
}

template <class T>
const CaseData<T>& prepare(const VelocityCase& c) {
  static std::unique_ptr<CaseDataBase> cached;  // one case at a time: bounded memory
  const std::string name = c.name();
  if (cached && cached->name == name) return static_cast<const CaseData<T>&>(*cached);
  cached.reset();
  auto data = std::make_unique<CaseData<T>>();
  data->name = name;
  try {
    verify(c, *data);
  } catch (const std::exception& e) {
    data->check.ok = false;
    data->check.message = fmt::format("velocity failed: {}", e.what());
  }
  cached = std::move(data);
  return static_cast<const CaseData<T>&>(*cached);
}

template <class T>
void velocity_benchmark(benchmark::State& state, const VelocityCase& c) {
  const CaseData<T>& data = prepare<T>(c);
  if (!data.check.ok) return fail_benchmark(state, data.check.message);
  VelocityField<T> field;
  std::int64_t heap_growth = -1;  // of the first timed call: the backend's extra memory
  try {
    for (auto _ : state) {
      if (heap_growth < 0 && heap_meter_available()) {
        const HeapWatch watch;
        field = velocity<T>(data.queries, data.support, data.options);
        heap_growth = watch.peak_growth();
      } else {
        field = velocity<T>(data.queries, data.support, data.options);
      }
      benchmark::DoNotOptimize(field.u.data());
      benchmark::ClobberMemory();
    }
  } catch (const std::exception& e) {
    return fail_benchmark(state, fmt::format("velocity failed: {}", e.what()));
  }
  // The answer that was timed is checked too, not only the verification run.
  const CheckOutcome timed = check_against_reference<T>(data.sample, field.u, nullptr);
  if (!timed.ok) return fail_benchmark(state, timed.message);

  using benchmark::Counter;
  const double pairs = c.pairs();
  state.counters["pairs/s"] = Counter(pairs, Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] =
      Counter(pairs * 4.0 * double(c.d) * 1e-9, Counter::kIsIterationInvariantRate);
  state.counters["roofline_fraction"] = Counter(
      pairs * roofline().seconds_per_pair(c.d, c.threads), Counter::kIsIterationInvariantRate);
  const auto output_bytes = std::int64_t(sizeof(T)) * field.u.size();
  state.counters["extra_bytes"] =
      heap_growth < 0 ? -1.0 : double(std::max<std::int64_t>(0, heap_growth - output_bytes));
  state.counters["neff_mean"] = data.neff_mean;
  state.counters["check_err_u"] = std::max(data.check.u_err, timed.u_err);
}

}  // namespace

void fail_benchmark(benchmark::State& state, const std::string& message) {
  g_failures.fetch_add(1);
  state.SkipWithError(message.c_str());
}

int failed_benchmarks() { return g_failures.load(); }

void register_velocity_benchmarks(SweepKind kind) {
  const int all = std::max(1, tbb::info::default_concurrency());
  for (const SweepGroup& group : velocity_sweep(kind, backend_names(), all)) {
    for (const VelocityCase& c : group.cases) {
      benchmark::RegisterBenchmark(c.name().c_str(),
                                   [c](benchmark::State& state) {
                                     if (c.precision == Precision::f32)
                                       velocity_benchmark<float>(state, c);
                                     else
                                       velocity_benchmark<double>(state, c);
                                   })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

std::string describe_sweep(SweepKind kind) {
  const int all = std::max(1, tbb::info::default_concurrency());
  std::string out;
  std::size_t total = 0;
  for (const SweepGroup& group : velocity_sweep(kind, backend_names(), all)) {
    out += fmt::format("  {} [{} cases]\n", group.purpose, group.cases.size());
    for (const VelocityCase& c : group.cases) out += fmt::format("    {}\n", c.name());
    total += group.cases.size();
  }
  return fmt::format("{}  total: {} velocity cases\n", out, total);
}

}  // namespace kfm::bench
