#pragma once
// The failure-regime experiments of SPEC §3 (issue 5): nearest-neighbour
// collapse, geometry mismatch, support scarcity, and the same diagnostics on
// the user's own points. Each experiment returns one section of a JSON
// document with schema "kfm.regimes/1" (documented in docs/regimes_schema.md).
//
// Reproducibility: every task draws from its own Rng stream derived from
// (seed, experiment, generator, d, task index), tasks run in parallel but are
// reduced in index order, so results are identical for any thread count.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kfm/matrix.hpp"

namespace kfm::regimes {

inline constexpr const char* kSchema = "kfm.regimes/1";

// Called from the calling thread between stages with a short description.
using Progress = std::function<void(const std::string& stage)>;

struct Common {
  std::uint64_t seed = 1;
  double sigma_min = 0.01;
  std::string backend;  // empty: the default backend
  Progress progress;    // may be empty
};

// Nearest-neighbour collapse: n_eff on a t grid x d for gmm and shells (m fixed),
// over queries on the path, plus the plug-in velocity error against the
// closed-form truth (gmm) and n_eff averaged over t ~ U(0, 1).
struct CollapseConfig {
  std::vector<std::string> generators{"gmm", "shells"};
  std::vector<int> dims{2, 4, 8, 16, 32, 64, 128};
  std::vector<double> times;     // must contain 0.56; see full()/quick()
  int m = 50;                    // support size
  int tasks = 100;               // independent draws per (generator, d)
  int queries = 64;              // path queries per task and t
  int error_tasks = 25;          // gmm tasks (the first ones) that also get the velocity error
  int uniform_t_strata = 32;     // stratified t ~ U(0, 1): one t per stratum and task
  int uniform_t_queries = 8;     // queries per stratum and task
};

// Geometry mismatch: isotropic vs whitened kernel on shells and gmm.
struct MismatchConfig {
  std::vector<std::string> generators{"shells", "gmm"};
  std::vector<int> dims{8, 16, 32};
  std::vector<double> times{0.1, 0.2, 0.3, 0.4, 0.5, 0.56, 0.7, 0.8, 0.9, 0.95};
  int m = 50;
  int tasks = 20;
  int queries = 64;
  int proxy_size = 50000;   // shells: population proxy support (published: 50,000)
  int proxy_queries = 32;   // shells: queries (of the first ones) compared with the proxy
  int samples = 256;        // flow samples per task for MMD
  int targets = 256;        // held-out targets per task
  int steps = 100;          // Euler steps (published setting)
  double whiten_ridge = 0.01;  // Cov_reg = Cov(S) + ridge * tr(Cov(S))/d * I; M = Cov_reg^-1
};

// Support scarcity: NW error against the truth at the same bandwidth vs m.
struct ScarcityConfig {
  std::vector<int> dims{2, 4, 8, 16};
  std::vector<int> ms{10, 25, 50, 100, 250, 500, 1000, 2500};
  int tasks = 20;
  int queries = 128;
  double c = 1.0;          // adapted bandwidth h = c m^(-1/(4+d))
  double h_fixed = 1.0;    // the fixed bandwidth
  int samples = 200;       // Euler samples per task for MMD vs m
  int targets = 256;
  int steps = 100;
  int mmd_tasks = 10;      // the first tasks also get MMD of Euler samples vs m
  int tail_min_m = 100;    // a second fit on m >= tail_min_m only (closer to asymptotic)
};

// The user's points (`--data FILE`): support drawn from the file, the rest held out.
struct DataConfig {
  int m = 50;                 // support size (capped at half the rows)
  int tasks = 20;             // random splits
  int queries = 64;
  std::vector<double> times;  // as collapse
  std::vector<int> ms{10, 25, 50, 100, 250, 500, 1000, 2500};  // capped by the pool size
  int samples = 256;
  int steps = 100;
  double whiten_ridge = 0.01;
  double c = 1.0;             // scarcity bandwidth, in units of the data's RMS spread
};

struct Config {
  CollapseConfig collapse;
  MismatchConfig mismatch;
  ScarcityConfig scarcity;
  DataConfig data;
  static Config full();
  static Config quick();  // each experiment well under a minute on 2 cores
};

nlohmann::json run_collapse(const CollapseConfig& config, const Common& common);
nlohmann::json run_mismatch(const MismatchConfig& config, const Common& common);
nlohmann::json run_scarcity(const ScarcityConfig& config, const Common& common);
nlohmann::json run_data(const Matrix<double>& points, const DataConfig& config,
                        const Common& common);

struct Request {
  std::vector<std::string> experiments;  // subset of collapse, mismatch, scarcity
  bool quick = false;
  std::uint64_t seed = 1;
  int threads = 0;                       // 0: all cores
  std::string backend;                   // empty: default
  std::optional<std::string> data_path;  // recorded in the JSON
  std::optional<Matrix<double>> data;    // the points of data_path
  std::optional<Config> config;          // overrides full()/quick() (tests)
};

// The whole document: schema, provenance, parameters, seeds and the sections.
// Throws kfm::Error on bad requests.
nlohmann::json run(const Request& request, const Progress& progress = {});

// Provenance block: build (commit, compiler, flags), UTC date, host, CPU, threads.
nlohmann::json provenance(int threads);

// The flow time whose bandwidth sigma_t / t equals h (the inverse of
// FlowTime::bandwidth); throws kfm::Error unless h >= sigma_min.
double time_for_bandwidth(double h, double sigma_min);

}  // namespace kfm::regimes
