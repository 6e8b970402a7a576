#include "calibration.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <time.h>

#include "calibration_kernels.hpp"

namespace kfm::bench {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the calling thread: on a shared machine the kernels are measured
// while they actually run, so the rates estimate the hardware, not the load.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

constexpr std::size_t kExpCount = 2048;              // 16 KiB of in+out: stays in L1
constexpr std::size_t kTriadFloats = 16u << 20;      // 64 MiB per array: far beyond caches

struct Buffers {
  std::vector<std::vector<float>> exp_scratch;  // one per thread
  std::vector<float> a, b, c;                   // triad arrays, split between threads
};

Buffers& buffers(int threads) {
  static Buffers b;
  while (b.exp_scratch.size() < std::size_t(threads)) {
    std::vector<float> scratch(2 * kExpCount);
    for (std::size_t i = 0; i < kExpCount; ++i) scratch[i] = -20.0f * float(i) / float(kExpCount);
    b.exp_scratch.push_back(std::move(scratch));
  }
  if (b.a.empty()) {
    b.a.assign(kTriadFloats, 0.0f);
    b.b.assign(kTriadFloats, 1.0f);
    b.c.assign(kTriadFloats, 2.0f);
  }
  return b;
}

double run_once(CalibrationKernel kernel, int worker, int threads, std::int64_t reps) {
  Buffers& b = buffers(threads);
  switch (kernel) {
    case CalibrationKernel::fma:
      return fma_kernel(reps);
    case CalibrationKernel::exp:
      return exp_kernel(b.exp_scratch[std::size_t(worker)].data(), kExpCount, reps);
    case CalibrationKernel::bandwidth: {
      const std::size_t slice = kTriadFloats / std::size_t(threads);
      const std::size_t begin = slice * std::size_t(worker);
      return triad_kernel(b.a.data() + begin, b.b.data() + begin, b.c.data() + begin, slice,
                          reps);
    }
  }
  return 0.0;
}

// Repetitions that make one single-threaded run take about `seconds` of CPU (cached).
std::int64_t reps_for(CalibrationKernel kernel, double seconds) {
  static std::map<std::pair<int, double>, std::int64_t> cache;
  const auto key = std::make_pair(int(kernel), seconds);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::int64_t reps = 1;
  for (;;) {
    const double start = thread_cpu_seconds();
    run_once(kernel, 0, 1, reps);
    const double took = thread_cpu_seconds() - start;
    if (took >= 0.01 || reps >= (std::int64_t(1) << 40)) {
      reps = std::max<std::int64_t>(1, std::int64_t(double(reps) * seconds / std::max(took, 1e-9)));
      break;
    }
    reps *= 4;
  }
  cache[key] = reps;
  return reps;
}

}  // namespace

std::string_view kernel_name(CalibrationKernel kernel) {
  switch (kernel) {
    case CalibrationKernel::fma: return "fma_f32";
    case CalibrationKernel::exp: return "exp_f32";
    case CalibrationKernel::bandwidth: return "bandwidth";
  }
  return "?";
}

std::string_view rate_unit(CalibrationKernel kernel) {
  switch (kernel) {
    case CalibrationKernel::fma: return "GFLOP/s";
    case CalibrationKernel::exp: return "Gexp/s";
    case CalibrationKernel::bandwidth: return "GB/s";
  }
  return "?";
}

KernelRun run_calibration_kernel(CalibrationKernel kernel, int threads, double seconds) {
  buffers(threads);  // allocate and touch first: never inside a timed run
  // Bandwidth: each thread gets a 1/threads slice, so give it threads x the passes.
  std::int64_t reps = reps_for(kernel, seconds);
  if (kernel == CalibrationKernel::bandwidth) reps *= threads;
  std::vector<double> work(std::size_t(threads), 0.0), took(std::size_t(threads), 0.0);
  std::atomic<int> arrived{0};
  std::atomic<bool> late{false};
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int>(0, threads, 1),
        [&](const tbb::blocked_range<int>& range) {
          for (int worker = range.begin(); worker != range.end(); ++worker) {
            // Start together, so the threads really compete for the core's
            // resources (bounded wait: never deadlock if a worker is late).
            arrived.fetch_add(1);
            const auto wait_start = Clock::now();
            while (arrived.load() < threads &&
                   Clock::now() - wait_start < std::chrono::milliseconds(50)) {
            }
            if (arrived.load() < threads) late.store(true);
            const double start = thread_cpu_seconds();
            work[std::size_t(worker)] = run_once(kernel, worker, threads, reps);
            took[std::size_t(worker)] = thread_cpu_seconds() - start;
          }
        },
        tbb::static_partitioner());
  });
  KernelRun run;
  run.synchronized = !late.load();
  for (std::size_t i = 0; i < work.size(); ++i) {
    run.work += work[i];
    run.rate += work[i] / std::max(took[i], 1e-12);
  }
  return run;
}

double best_rate(CalibrationKernel kernel, int threads, int trials, double seconds_per_trial) {
  // Only runs whose threads really ran at the same time count (unless none did).
  double best_synchronized = 0.0, best_any = 0.0;
  for (int trial = 0; trial < trials || (best_synchronized == 0.0 && trial < 3 * trials); ++trial) {
    const KernelRun run = run_calibration_kernel(kernel, threads, seconds_per_trial);
    best_any = std::max(best_any, run.rate);
    if (run.synchronized) best_synchronized = std::max(best_synchronized, run.rate);
  }
  return best_synchronized > 0.0 ? best_synchronized : best_any;
}

MachineRates calibrate(int threads, int trials, double seconds_per_trial) {
  MachineRates best;
  best.fma_flops = best_rate(CalibrationKernel::fma, threads, trials, seconds_per_trial);
  best.exp_per_s = best_rate(CalibrationKernel::exp, threads, trials, seconds_per_trial);
  best.bytes_per_s = best_rate(CalibrationKernel::bandwidth, threads, trials, seconds_per_trial);
  return best;
}

std::vector<int> thread_counts() {
  const int all = std::max(1, tbb::info::default_concurrency());
  if (all == 1) return {1};
  return {1, all};
}

}  // namespace kfm::bench
