// kfm_bench: Google Benchmark suite for kfm (issue 4). Our own flags (--help,
// --quick) are handled here; every --benchmark_* flag goes to Google Benchmark.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "atomic_out.hpp"
#include "calibration.hpp"
#include "calibration_kernels.hpp"
#include "roofline.hpp"
#include "suite.hpp"

namespace {

// Shorter than Google Benchmark's 0.5 s so the default sweep fits in ~10 minutes
// and --quick (run with 3 repetitions in CI) in ~2 on 2 cores; pass
// --benchmark_min_time=X to override.
constexpr std::string_view kDefaultMinTime = "--benchmark_min_time=0.25";
constexpr std::string_view kQuickMinTime = "--benchmark_min_time=0.1";

void print_help(kfm::bench::SweepKind kind) {
  fmt::print(
      "usage: kfm_bench [--quick] [--benchmark_* flags...]\n\n"
      "Times kfm::velocity() for every registered backend over the axes\n"
      "  backend    registered backends (reference only on small cases: it is ~1000x slower)\n"
      "  precision  f32, f64\n"
      "  kernel     iso, mahalanobis (fixed SPD metric M = I + A A^T / d)\n"
      "  d          2 4 8 16 32 64 128 256 768       (dimension)\n"
      "  m          64 1024 16384 65536              (support points)\n"
      "  n          256 8192                         (queries)\n"
      "  t          50 500 950 999                   (flow time in thousandths: 0.05 .. 0.999)\n"
      "  threads    1 and all cores                  (oneTBB arena size inside the case)\n"
      "on seeded inputs X, S ~ N(0, I), sigma_min = 0.01. Names look like\n"
      "  BM_Velocity/fused/f32/iso/d:64/m:16384/n:8192/t:500/threads:2\n"
      "(Google Benchmark appends /real_time: cases are timed by the wall clock).\n"
      "Every case first checks its answer against the float64 reference on 16 sampled\n"
      "queries (accuracy contract of include/kfm/velocity.hpp) and is reported as an\n"
      "error, never timed, on a mismatch; kfm_bench then exits 1.\n\n"
      "Counters: pairs/s, GFLOP/s (4d flops per pair), roofline_fraction (measured time\n"
      "vs 4d/peak_fma + 1/exp_rate from the start-up calibration, recorded in the JSON\n"
      "context), extra_bytes (peak heap growth of one timed call beyond its output),\n"
      "neff_mean (mean n_eff over the first <= 2048 queries: the case's regime),\n"
      "check_err_u (measured error vs the reference).\n"
      "BM_Calibration/<fma_f32|exp_f32|bandwidth>/threads:k time the calibration kernels.\n"
      "BM_Sample/<backend>/f64/iso/d:../m:1024/n:256/steps:100/threads:.. time a 100-step\n"
      "Euler sample (kfm::sample_flow) when the sampler is built in, checked against the\n"
      "reference flow on 8 rows.\n\n"
      "Options:\n"
      "  --help     this text, then Google Benchmark's flags\n"
      "  --quick    the CI set (a few small cases per backend, under 2 minutes)\n"
      "  min time per case: {} s, {} s with --quick (override: --benchmark_min_time=SECONDS)\n\n"
      "Filter examples (--benchmark_filter is a regular expression on the names):\n"
      "  kfm_bench --benchmark_filter='BM_Velocity/fused/f32/iso/d:[0-9]+/m:16384/n:8192'\n"
      "  kfm_bench --benchmark_filter='/n:8192/t:500/threads:1/'   (one thread)\n"
      "  kfm_bench --benchmark_filter='/t:(50|999)/'                (early and late t)\n"
      "  kfm_bench --benchmark_filter='BM_Calibration|/mahalanobis/'\n"
      "  kfm_bench --benchmark_list_tests   (list the names without running)\n"
      "  kfm_bench --benchmark_out=r.json --benchmark_out_format=json --benchmark_repetitions=3\n\n"
      "The {} sweep on this machine:\n{}\n",
      kDefaultMinTime.substr(kDefaultMinTime.find('=') + 1),
      kQuickMinTime.substr(kQuickMinTime.find('=') + 1),
      kind == kfm::bench::SweepKind::quick ? "--quick" : "default",
      kfm::bench::describe_sweep(kind));
  std::fflush(stdout);
}

void calibrate_roofline() {
  for (int threads : kfm::bench::thread_counts()) {
    const kfm::bench::MachineRates rates = kfm::bench::calibrate(threads, 3, 0.05);
    kfm::bench::roofline().set(threads, rates);
    fmt::print(stderr,
               "kfm_bench: calibration ({}, {} thread{}): fp32 FMA {:.1f} GFLOP/s, exp {:.2f} "
               "Gexp/s, triad {:.1f} GB/s\n",
               kfm::bench::calibration_isa(), threads, threads == 1 ? "" : "s",
               rates.fma_flops * 1e-9, rates.exp_per_s * 1e-9, rates.bytes_per_s * 1e-9);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using kfm::bench::SweepKind;
  SweepKind kind = SweepKind::full;
  bool help = false, list_only = false, min_time_given = false;
  std::vector<char*> forwarded{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
    } else if (arg == "--quick") {
      kind = SweepKind::quick;
    } else if (arg.rfind("--benchmark_", 0) == 0 || arg.rfind("--v=", 0) == 0) {
      min_time_given = min_time_given || arg.rfind("--benchmark_min_time", 0) == 0;
      list_only = list_only || arg == "--benchmark_list_tests" ||
                  arg == "--benchmark_list_tests=true";
      forwarded.push_back(argv[i]);
    } else {
      fmt::print(stderr, "kfm_bench: error: unknown argument '{}' (see kfm_bench --help)\n", arg);
      return 2;
    }
  }
  std::string min_time(kind == SweepKind::quick ? kQuickMinTime : kDefaultMinTime);
  if (!min_time_given) forwarded.push_back(min_time.data());
  std::string help_flag = "--help";
  if (help) {
    print_help(kind);
    forwarded.push_back(help_flag.data());  // Google Benchmark prints its flags and exits
  }
  // --benchmark_out=FILE is written to a temporary and renamed at the end, so
  // Ctrl-C/SIGTERM (exit 128 + signal) never leave a truncated JSON.
  kfm::bench::AtomicBenchmarkOut atomic_out(forwarded);
  int forwarded_argc = static_cast<int>(forwarded.size());
  forwarded.push_back(nullptr);
  benchmark::Initialize(&forwarded_argc, forwarded.data());
  if (benchmark::ReportUnrecognizedArguments(forwarded_argc, forwarded.data())) return 2;

  if (!list_only) calibrate_roofline();
  kfm::bench::register_calibration_benchmarks();
  kfm::bench::register_velocity_benchmarks(kind);
  kfm::bench::register_sample_benchmarks(kind);
  kfm::bench::add_context(kind);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!atomic_out.commit()) return 1;
  if (const int failed = kfm::bench::failed_benchmarks(); failed > 0) {
    fmt::print(stderr, "kfm_bench: error: {} benchmark(s) failed (see ERROR OCCURRED above)\n",
               failed);
    return 1;
  }
  return 0;
}
