// `kfm regimes`: the experiment presets, the document (schema kfm.regimes/1)
// and its provenance.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>
#include <unistd.h>

#include "kfm/backend.hpp"
#include "kfm/build_info.hpp"
#include "kfm/error.hpp"
#include "regime_common.hpp"

namespace kfm::regimes {
namespace {

// >= 20 points including 0.56, denser where n_eff changes fastest.
std::vector<double> collapse_times() {
  return {0.02, 0.05, 0.1, 0.15, 0.2,  0.25, 0.3, 0.35, 0.4,  0.45, 0.5,
          0.56, 0.6,  0.65, 0.7, 0.75, 0.8,  0.85, 0.9, 0.95, 0.98, 1.0};
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto start = line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  return "unknown";
}

const std::vector<std::string> kExperiments{"collapse", "mismatch", "scarcity"};

}  // namespace

Config Config::full() {
  Config c;
  c.collapse.times = collapse_times();
  c.data.times = collapse_times();
  return c;
}

Config Config::quick() {
  Config c = full();
  c.collapse.tasks = 20;
  c.collapse.queries = 32;
  c.collapse.error_tasks = 6;
  c.collapse.uniform_t_strata = 16;
  c.collapse.uniform_t_queries = 4;
  c.mismatch.times = {0.1, 0.3, 0.56, 0.8, 0.95};
  c.mismatch.tasks = 6;
  c.mismatch.queries = 32;
  c.mismatch.proxy_size = 5000;
  c.mismatch.proxy_queries = 16;
  c.mismatch.samples = 128;
  c.mismatch.targets = 128;
  c.scarcity.ms = {10, 25, 50, 100, 250, 500};
  c.scarcity.tasks = 8;
  c.scarcity.queries = 64;
  c.scarcity.mmd_tasks = 3;
  c.scarcity.samples = 128;
  c.scarcity.targets = 128;
  c.data.tasks = 6;
  c.data.queries = 32;
  c.data.samples = 128;
  c.data.ms = {10, 25, 50, 100, 250, 500};
  return c;
}

nlohmann::json provenance(int threads) {
  const BuildInfo& b = build_info();
  return {{"kfm_version", b.version},
          {"commit", b.commit},
          {"compiler", b.compiler},
          {"cxx_flags", b.cxx_flags},
          {"build_type", b.build_type},
          {"date_utc", utc_now()},
          {"hostname", host_name()},
          {"cpu_model", cpu_model()},
          {"threads_requested", threads},
          {"threads_used", threads > 0 ? threads : tbb::info::default_concurrency()}};
}

nlohmann::json run(const Request& request, const Progress& progress) {
  if (request.experiments.empty() && !request.data)
    throw Error("nothing to run: name an experiment (collapse, mismatch, scarcity, all) or --data");
  for (const auto& e : request.experiments)
    if (std::find(kExperiments.begin(), kExperiments.end(), e) == kExperiments.end())
      throw Error(fmt::format("unknown experiment '{}' (known: collapse, mismatch, scarcity, all)", e));
  if (request.threads < 0) throw Error("threads must be >= 0");
  const std::string backend =
      std::string(find_backend(request.backend.empty() ? default_backend_name() : request.backend).name());
  const Config config = request.config ? *request.config
                                       : (request.quick ? Config::quick() : Config::full());
  Common common;
  common.seed = request.seed;
  common.backend = backend;
  common.progress = progress;

  nlohmann::json doc{
      {"schema", kSchema},
      {"generated_by", "kfm regimes"},
      {"provenance", provenance(request.threads)},
      {"request",
       {{"experiments", request.experiments},
        {"quick", request.quick},
        {"seed", request.seed},
        {"threads", request.threads},
        {"backend", backend},
        {"data", request.data_path ? nlohmann::json(*request.data_path) : nlohmann::json()}}},
      {"seeds",
       {{"base", request.seed},
        {"derivation",
         "task Rng = Rng::stream(derive_seed(derive_seed(derive_seed(seed, experiment), "
         "generator), d), task)"},
        {"experiment_ids", {{"collapse", 1}, {"mismatch", 2}, {"scarcity", 3}, {"data", 4}}},
        {"generator_ids", {{"gmm", 1}, {"shells", 2}, {"file", 3}}}}}};
  const int concurrency = request.threads > 0 ? request.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(concurrency);
  arena.execute([&] {
    for (const auto& e : kExperiments) {
      if (std::find(request.experiments.begin(), request.experiments.end(), e) ==
          request.experiments.end())
        continue;
      const auto start = std::chrono::steady_clock::now();
      nlohmann::json section = e == "collapse"   ? run_collapse(config.collapse, common)
                               : e == "mismatch" ? run_mismatch(config.mismatch, common)
                                                 : run_scarcity(config.scarcity, common);
      section["seconds"] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      doc[e] = std::move(section);
    }
    if (request.data) {
      const auto start = std::chrono::steady_clock::now();
      nlohmann::json section = run_data(*request.data, config.data, common);
      section["source"] = request.data_path.value_or("");
      section["seconds"] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      doc["data"] = std::move(section);
    }
  });
  return doc;
}

}  // namespace kfm::regimes
