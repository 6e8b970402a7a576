#pragma once
// The pieces main.cpp assembles into kfm_bench, one file each.
#include <string>

#include <benchmark/benchmark.h>

#include "cases.hpp"

namespace kfm::bench {

// BM_Calibration/<kernel>/threads:<k> (calibration_bench.cpp).
void register_calibration_benchmarks();
// BM_Velocity/... for every registered backend (velocity_bench.cpp).
void register_velocity_benchmarks(SweepKind kind);
// BM_Sample/... once the sampler exists (sample_bench.cpp).
void register_sample_benchmarks(SweepKind kind);

// Provenance, machine and calibration in the JSON context (context.cpp). Call
// after the roofline has been calibrated.
void add_context(SweepKind kind);

// Marks the benchmark failed (SkipWithError) and counts it: kfm_bench exits
// non-zero when any benchmark failed its result check.
void fail_benchmark(benchmark::State& state, const std::string& message);
int failed_benchmarks();

// The built-in sweep as text, for --help.
std::string describe_sweep(SweepKind kind);

}  // namespace kfm::bench
