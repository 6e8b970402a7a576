// kfm velocity: the exact velocity (and n_eff) for the user's own files.
#include <filesystem>
#include <ostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "kfm/backend.hpp"
#include "kfm/error.hpp"
#include "kfm/flow_time.hpp"
#include "kfm/interrupt.hpp"
#include "kfm/io.hpp"
#include "kfm/velocity.hpp"

namespace kfm::cli {
namespace {

template <class T>
int compute_and_write(const io::LoadedMatrix& support, const io::LoadedMatrix& queries,
                      const VelocityOptions& options, io::DType dtype,
                      const std::filesystem::path& out, const std::optional<std::string>& neff) {
  const VelocityField<T> field =
      velocity<T>(queries.values.cast<T>(), support.values.cast<T>(), options);
  throw_if_interrupted();  // stopped by a signal after the last check: write nothing
  io::write_matrix(out, field.u.template cast<double>(), dtype);
  if (neff) {
    try {
      io::write_matrix(*neff, field.neff.template cast<double>(), dtype, /*as_vector=*/true);
    } catch (...) {
      std::error_code ignored;  // all outputs or none
      std::filesystem::remove(out, ignored);
      throw;
    }
  }
  return 0;
}

int run_velocity(const ParsedArgs& args, std::ostream&) {
  VelocityOptions options;
  options.t = args.number("t", 0.0);
  options.sigma_min = args.number("sigma-min", 0.01);
  options.backend = args.get("backend").value_or("");
  const long threads = args.integer("threads", 0);
  if (threads < 0 || threads > 4096)
    throw Error(fmt::format("--threads must be between 1 and 4096, got {}", threads));
  if (args.has("threads") && threads == 0) throw Error("--threads must be at least 1");
  options.threads = static_cast<int>(threads);
  const std::string precision = args.get("precision").value_or("f64");
  if (precision != "f64" && precision != "f32")
    throw Error(fmt::format("--precision must be f64 or f32, got '{}'", precision));
  // Check everything cheap before reading large files or computing.
  (void)find_backend(options.backend.empty() ? default_backend_name() : options.backend);
  (void)FlowTime(options.t, options.sigma_min);
  const std::filesystem::path out = args.required("out");
  io::check_output_path(out);
  const auto neff = args.get("neff");
  if (neff) io::check_output_path(*neff);
  options.want_neff = neff.has_value();

  const io::LoadedMatrix support = io::read_matrix(args.required("support"));
  const io::LoadedMatrix queries = io::read_matrix(args.required("queries"));
  if (auto metric_path = args.get("metric"))
    options.metric = Metric::mahalanobis(io::read_matrix(*metric_path).values);

  if (precision == "f32")
    return compute_and_write<float>(support, queries, options, io::DType::f32, out, neff);
  return compute_and_write<double>(support, queries, options, io::DType::f64, out, neff);
}

}  // namespace

Command velocity_command() {
  return Command{
      "velocity",
      "exact velocity u_t(x) and n_eff for queries X given a support S",
      "usage: kfm velocity --support S --queries X --t T --out U [options]\n\n"
      "Computes u_t(x) = (m_h(x/t) - (1 - sigma_min) x) / sigma_t for every row x of X,\n"
      "where m_h is the Gaussian-kernel (Nadaraya-Watson) mean of the rows of S at\n"
      "bandwidth h = sigma_t / t. Files are .npy (float32/float64) or .csv; U has the\n"
      "shape of X; NEFF holds one effective sample size 1 / sum_i w_i^2 per query.",
      {
          {"support", "S", "support points, m x d (.npy or .csv)", true},
          {"queries", "X", "query points, n x d (.npy or .csv)", true},
          {"t", "T", "flow time in (0, 1]", true},
          {"sigma-min", "SIGMA", "noise floor sigma_min in (0, 1] (default 0.01)", false},
          {"metric", "M", "symmetric positive-definite d x d metric (Mahalanobis kernel)", false},
          {"backend", "NAME", "backend (default: the fastest exact one)", false},
          {"precision", "P", "f64 (default) or f32", false},
          {"threads", "N", "worker threads (default: all cores)", false},
          {"out", "U", "output velocity, n x d (.npy or .csv)", true},
          {"neff", "NEFF", "also write n_eff, n values (.npy or .csv)", false},
      },
      0,
      run_velocity,
  };
}

}  // namespace kfm::cli
