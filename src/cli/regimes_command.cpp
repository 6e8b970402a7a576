// kfm regimes: the failure-regime experiments (SPEC §3) -> one JSON document.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <ostream>

#include "cli.hpp"
#include "kfm/error.hpp"
#include "kfm/interrupt.hpp"
#include "kfm/io.hpp"
#include "kfm/regimes.hpp"

namespace kfm::cli {
namespace {

int run_regimes(const ParsedArgs& args, std::ostream& out) {
  regimes::Request request;
  const auto& words = args.positional();
  if (words.empty() && !args.has("data"))
    throw Error("name an experiment: collapse, mismatch, scarcity or all (or give --data FILE)");
  if (!words.empty()) {
    const std::string& which = words.front();
    if (which == "all")
      request.experiments = {"collapse", "mismatch", "scarcity"};
    else if (which == "collapse" || which == "mismatch" || which == "scarcity")
      request.experiments = {which};
    else
      throw Error(
          fmt::format("unknown experiment '{}' (known: collapse, mismatch, scarcity, all)", which));
  }
  request.quick = args.has("quick");
  const long seed = args.integer("seed", 1);
  if (seed < 0) throw Error(fmt::format("--seed must be >= 0, got {}", seed));
  request.seed = static_cast<std::uint64_t>(seed);
  const long threads = args.integer("threads", 0);
  if (args.has("threads") && (threads < 1 || threads > 4096))
    throw Error(fmt::format("--threads must be between 1 and 4096, got {}", threads));
  request.threads = static_cast<int>(threads);
  request.backend = args.get("backend").value_or("");
  const std::filesystem::path path = args.required("out");
  io::check_output_path(path, {".json"});
  if (auto data = args.get("data")) {
    request.data_path = *data;
    request.data = io::read_matrix(*data).values;
  }
  const bool quiet = args.has("quiet");
  const auto start = std::chrono::steady_clock::now();
  const regimes::Progress progress = [&](const std::string& stage) {
    throw_if_interrupted();  // between stages (velocity calls also check between query blocks)
    if (quiet) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << fmt::format("kfm regimes [{:7.1f}s] {}\n", elapsed, stage) << std::flush;
  };
  const nlohmann::json doc = regimes::run(request, progress);
  io::write_file_atomic(path, doc.dump(2) + "\n");
  out << fmt::format("wrote {} ({})\n", path.string(), regimes::kSchema);
  if (doc.contains("data"))
    out << "verdict: " << doc["data"]["verdict"]["text"].get<std::string>() << '\n';
  return 0;
}

}  // namespace

Command regimes_command() {
  return Command{
      "regimes",
      "failure-regime experiments (collapse, mismatch, scarcity) -> JSON",
      "usage: kfm regimes collapse|mismatch|scarcity|all [--quick] [--data FILE] [--seed K]\n"
      "                   [--threads N] --out FILE.json\n\n"
      "Runs the experiments of SPEC §3 on seeded synthetic tasks and writes one JSON\n"
      "document (schema kfm.regimes/1, docs/regimes_schema.md) with parameters, seeds and\n"
      "provenance. --data FILE adds the same diagnostics for your own points (.npy/.csv,\n"
      "rows are points) and a verdict of which regime dominates; it may be given alone.\n"
      "Results are identical for any --threads. --quick: a small run for CI (< 1 min each).",
      {
          {"quick", "", "small configuration (CI)", false},
          {"data", "FILE", "your own points (.npy or .csv), rows are points", false},
          {"seed", "K", "base seed (default 1)", false},
          {"threads", "N", "worker threads (default: all cores)", false},
          {"backend", "NAME", "backend (default: the fastest exact one)", false},
          {"quiet", "", "no progress lines on stderr", false},
          {"out", "FILE", "output JSON file", true},
      },
      1,
      run_regimes,
  };
}

}  // namespace kfm::cli
