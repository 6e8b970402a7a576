// BM_Calibration/<kernel>/threads:<k>: the calibration kernels timed by Google
// Benchmark, so result files from different machines can be compared on the
// machine's raw rates too. (The roofline itself uses the best-of-3 start-up
// calibration recorded in the context, see main.cpp.)
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "calibration.hpp"
#include "suite.hpp"

namespace kfm::bench {

void register_calibration_benchmarks() {
  for (CalibrationKernel kernel :
       {CalibrationKernel::fma, CalibrationKernel::exp, CalibrationKernel::bandwidth}) {
    for (int threads : thread_counts()) {
      const std::string name = fmt::format("BM_Calibration/{}/threads:{}", kernel_name(kernel), threads);
      benchmark::RegisterBenchmark(name.c_str(), [kernel, threads](benchmark::State& state) {
        // Manual time = work / rate: the threads' own CPU clocks, as in the
        // start-up calibration, so a loaded machine does not halve the peak.
        double work = 0.0;
        for (auto _ : state) {
          const KernelRun run = run_calibration_kernel(kernel, threads, 0.02);
          work += run.work;
          state.SetIterationTime(run.work / run.rate);
        }
        state.counters[std::string(rate_unit(kernel))] =
            benchmark::Counter(work * 1e-9, benchmark::Counter::kIsRate);
      })->UseManualTime()->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace kfm::bench
