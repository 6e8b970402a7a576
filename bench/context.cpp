// The JSON "context" of a run (on top of Google Benchmark's own: host, CPUs,
// caches, load): our build, the ISA dispatched, oneTBB, the CPU model and the
// calibrated machine rates, so results from different machines and commits can
// be compared. Note: Google Benchmark's "library_build_type" describes Debian's
// libbenchmark build, not kfm's; ours is kfm_build_type.
#include <fstream>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/version.h>

#include "calibration_kernels.hpp"
#include "heap_meter.hpp"
#include "kfm/backend.hpp"
#include "kfm/build_info.hpp"
#include "roofline.hpp"
#include "suite.hpp"

#if __has_include("kfm/isa.hpp")
#include "kfm/isa.hpp"
#define KFM_HAS_ISA_HEADER 1
#else
#define KFM_HAS_ISA_HEADER 0
#endif

namespace kfm::bench {
namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  }
  return "unknown";
}

std::string dispatched_isa() {
#if KFM_HAS_ISA_HEADER
  try {
    return std::string(kfm::active_isa());
  } catch (const std::exception& e) {  // e.g. a KFM_ISA override the CPU lacks
    return fmt::format("error: {}", e.what());
  }
#else
  return "n/a";
#endif
}

}  // namespace

void add_context(SweepKind kind) {
  const BuildInfo& build = build_info();
  benchmark::AddCustomContext("kfm_version", build.version);
  benchmark::AddCustomContext("kfm_commit", build.commit);
  benchmark::AddCustomContext("kfm_compiler", build.compiler);
  benchmark::AddCustomContext("kfm_cxx_flags", build.cxx_flags);
  benchmark::AddCustomContext("kfm_build_type", build.build_type);
  benchmark::AddCustomContext("kfm_isa", dispatched_isa());
  benchmark::AddCustomContext("kfm_backends", fmt::format("{}", fmt::join(backend_names(), ",")));
  benchmark::AddCustomContext("kfm_sweep", kind == SweepKind::quick ? "quick" : "full");
  benchmark::AddCustomContext("tbb_version", TBB_runtime_version());
  benchmark::AddCustomContext("tbb_threads", std::to_string(tbb::info::default_concurrency()));
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("calibration_isa", std::string(calibration_isa()));
  benchmark::AddCustomContext("extra_bytes_measured", heap_meter_available() ? "yes" : "no");
  for (const auto& [threads, rates] : roofline().measured()) {
    benchmark::AddCustomContext(fmt::format("calib_fma_gflops_threads:{}", threads),
                                fmt::format("{:.2f}", rates.fma_flops * 1e-9));
    benchmark::AddCustomContext(fmt::format("calib_exp_gexps_threads:{}", threads),
                                fmt::format("{:.3f}", rates.exp_per_s * 1e-9));
    benchmark::AddCustomContext(fmt::format("calib_bandwidth_gbs_threads:{}", threads),
                                fmt::format("{:.2f}", rates.bytes_per_s * 1e-9));
  }
  benchmark::AddCustomContext("roofline",
                              "seconds per pair = 4d / calib_fma + 1 / calib_exp (fp32 peak, "
                              "also for f64 cases); roofline_fraction = roofline / measured time");
}

}  // namespace kfm::bench
