#pragma once
// Measures the machine rates behind the roofline (roofline.hpp) by running the
// calibration kernels on k threads at once inside a oneTBB arena of size k.
#include <string_view>
#include <vector>

#include "roofline.hpp"

namespace kfm::bench {

enum class CalibrationKernel { fma, exp, bandwidth };

std::string_view kernel_name(CalibrationKernel kernel);  // "fma_f32", "exp_f32", "bandwidth"
std::string_view rate_unit(CalibrationKernel kernel);    // "GFLOP/s", "Gexp/s", "GB/s"

// One timed run: every thread of the arena runs the kernel once, started together.
// Each thread is timed by its own CPU clock.
struct KernelRun {
  double work = 0;            // flops, exps or bytes, summed over threads
  double rate = 0;            // sum over threads of work_i / cpu_seconds_i (per second)
  bool synchronized = false;  // all threads started together (else rate is optimistic)
};

// Runs `kernel` on `threads` threads with a per-thread size that takes roughly
// `seconds` on one thread. Not thread-safe; reuses buffers between calls.
KernelRun run_calibration_kernel(CalibrationKernel kernel, int threads, double seconds);

// Best of `trials` synchronized runs of each kernel (the least disturbed one).
MachineRates calibrate(int threads, int trials, double seconds_per_trial);

// Thread counts the suite calibrates and benchmarks: 1 and all cores (deduplicated).
std::vector<int> thread_counts();

}  // namespace kfm::bench
