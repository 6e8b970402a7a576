// kfm sample: generate points from the exact support-conditioned flow by integrating
// dx/dt = u_t(x) from t_min to 1, starting from seeded x_0 ~ N(0, I) (SPEC §5).
#include <filesystem>
#include <limits>
#include <ostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "kfm/backend.hpp"
#include "kfm/error.hpp"
#include "kfm/interrupt.hpp"
#include "kfm/io.hpp"
#include "kfm/limits.hpp"
#include "kfm/random.hpp"
#include "kfm/sampler.hpp"

namespace kfm::cli {
namespace {

constexpr long kMaxSamples = 100'000'000;
constexpr long kMaxSteps = 1'000'000;

long integer_in(const ParsedArgs& args, const std::string& name, long fallback, long lo,
                long hi) {
  const long value = args.integer(name, fallback);
  if (value < lo || value > hi)
    throw Error(fmt::format("--{} must be between {} and {}, got {}", name, lo, hi, value));
  return value;
}

int run_sample(const ParsedArgs& args, std::ostream&) {
  SampleOptions options;
  const long n = integer_in(args, "n", 0, 1, kMaxSamples);
  options.steps = static_cast<int>(integer_in(args, "steps", 100, 1, kMaxSteps));
  options.solver = parse_solver(args.get("solver").value_or("euler"));
  const long seed = integer_in(args, "seed", 0, 0, std::numeric_limits<long>::max());
  options.t_min = args.number("t-min", 1e-5);
  options.sigma_min = args.number("sigma-min", 0.01);
  options.backend = args.get("backend").value_or("");
  if (args.has("threads"))
    options.threads = static_cast<int>(integer_in(args, "threads", 0, 1, 4096));
  // Check everything cheap before reading files or computing.
  if (!(options.t_min > 0.0) || !(options.t_min < 1.0))
    throw Error(fmt::format("--t-min must be in (0, 1), got {}", options.t_min));
  if (!(options.sigma_min > 0.0) || options.sigma_min > 1.0)
    throw Error(fmt::format("--sigma-min must be in (0, 1], got {}", options.sigma_min));
  (void)find_backend(options.backend.empty() ? default_backend_name() : options.backend);
  const std::filesystem::path out = args.required("out");
  io::check_output_path(out);

  const Matrix<double> support = io::read_matrix(args.required("support")).values;
  if (auto metric_path = args.get("metric")) {
    const Matrix<double> metric = io::read_matrix(*metric_path).values;
    if (metric.rows() != support.cols())
      throw Error(fmt::format("--metric is {}x{} but the support has {} columns", metric.rows(),
                              metric.cols(), support.cols()));
    options.metric = Metric::mahalanobis(metric);
  }
  // x0, the state, the velocity, Heun's second stage and the output: n x d each.
  require_elements({static_cast<std::size_t>(n), static_cast<std::size_t>(support.cols()), 5},
                   sizeof(double), fmt::format("sampling {} points in {} dimensions", n,
                                               support.cols()));
  options.stop = &interrupt_flag();  // SIGINT/SIGTERM stop between steps (run_main installs)
  Rng rng(static_cast<std::uint64_t>(seed));
  const Matrix<double> x0 = rng.normal_matrix(n, support.cols());
  io::write_matrix(out, sample_flow(support, x0, options));
  return 0;
}

}  // namespace

Command sample_command() {
  return Command{
      "sample",
      "generate N points from the exact flow conditioned on a support S",
      "usage: kfm sample --support S --n N --out X [options]\n\n"
      "Integrates dx/dt = u_t(x), the exact support-conditioned velocity, from t_min to 1\n"
      "on a uniform grid (Euler, or Heun for second order), starting from x_0 ~ N(0, I)\n"
      "drawn with the given seed. The same seed gives the same points on every machine\n"
      "and for any thread count. X is N x d (.npy or .csv, float64).",
      {
          {"support", "S", "support points, m x d (.npy or .csv)", true},
          {"n", "N", "number of points to generate (>= 1)", true},
          {"steps", "K", "integration steps (default 100, as published)", false},
          {"solver", "NAME", "euler (default) or heun", false},
          {"seed", "SEED", "seed of the initial noise, >= 0 (default 0)", false},
          {"t-min", "T", "start time in (0, 1) (default 1e-5)", false},
          {"sigma-min", "SIGMA", "noise floor sigma_min in (0, 1] (default 0.01)", false},
          {"metric", "M", "symmetric positive-definite d x d metric (Mahalanobis kernel)", false},
          {"backend", "NAME", "backend (default: the fastest exact one)", false},
          {"threads", "N", "worker threads (default: all cores)", false},
          {"out", "X", "output points, N x d (.npy or .csv)", true},
      },
      0,
      run_sample,
  };
}

}  // namespace kfm::cli
