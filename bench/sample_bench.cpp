// BM_Sample: the end-to-end cost of a 100-step Euler sample (SPEC §5, §6: steps
// x one velocity evaluation), for the regimes issue.
//
// HOOK: when include/kfm/sampler.hpp lands (kfm::sample_flow(support, x0,
// SampleOptions{steps = 100, solver = euler, backend, threads})), register here,
// for every non-reference backend:
//   BM_Sample/<backend>/f64/iso/d:16/m:1024/n:256/steps:100/threads:<all>
// with the same counters as BM_Velocity (pairs/s counting steps x n x m pairs),
// inputs from inputs.hpp (support = benchmark_support, x0 = benchmark_queries),
// and a result check: the final samples must match a reference-backend run on a
// few rows. Until then nothing is registered.
#include "suite.hpp"

namespace kfm::bench {

void register_sample_benchmarks(SweepKind) {}

}  // namespace kfm::bench
