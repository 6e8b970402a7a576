#include "cli.hpp"

#include <algorithm>
#include <iostream>
#include <new>

#include <fmt/format.h>

#include "kfm/build_info.hpp"
#include "kfm/error.hpp"
#include "kfm/interrupt.hpp"

namespace kfm::cli {
namespace {

// Exit statuses: 2 bad input or usage, 3 out of memory, 4 internal error,
// 128 + N when stopped by signal N (130 SIGINT, 143 SIGTERM), as a shell reports it.
constexpr int kBadInput = 2, kOutOfMemory = 3, kInternal = 4;

const std::vector<Command>& commands() {
  static const std::vector<Command> list{velocity_command(), sample_command(),
                                         regimes_command()};
  return list;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

std::string main_help() {
  std::string text =
      "kfm - exact velocity of support-conditioned flow matching (a Nadaraya-Watson\n"
      "Gaussian kernel smoother), its benchmarks and its failure regimes.\n\n"
      "usage: kfm COMMAND [OPTIONS]\n       kfm COMMAND --help\n\ncommands:\n";
  for (const auto& c : commands()) text += fmt::format("  {:<12} {}\n", c.name, c.summary);
  text += "\noptions:\n  --help       show this help\n  --version    show version and build\n";
  return text;
}

std::string version_text() {
  const auto& b = build_info();
  return fmt::format("kfm {} (commit {}, {}, {} build)\n", b.version, b.commit, b.compiler,
                     b.build_type);
}

int dispatch(const std::vector<std::string>& args, std::ostream& out) {
  if (args.empty()) throw Error("no command given (try 'kfm --help')");
  const std::string& first = args.front();
  if (first == "--help" || first == "-h" || first == "help") {
    out << main_help();
    return 0;
  }
  if (first == "--version") {
    out << version_text();
    return 0;
  }
  auto it = std::find_if(commands().begin(), commands().end(),
                         [&](const Command& c) { return c.name == first; });
  if (it == commands().end())
    throw Error(fmt::format("unknown command '{}' (try 'kfm --help')", first));
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
      std::find(rest.begin(), rest.end(), "-h") != rest.end()) {
    out << it->usage << "\noptions:\n" << format_options(it->options);
    return 0;
  }
  return it->run(parse_args(rest, it->options, it->max_positional), out);
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    return dispatch(args, out);
  } catch (const Interrupted& e) {
    err << "kfm: " << e.what() << "; no output was written\n";
    return 128 + e.signal();
  } catch (const Error& e) {
    if (interrupted()) {  // a stop hook (e.g. the sampler's) reported the signal as an Error
      err << "kfm: " << Interrupted(interrupt_signal()).what() << "; no output was written\n";
      return 128 + interrupt_signal();
    }
    err << "kfm: error: " << one_line(e.what()) << '\n';
    return kBadInput;
  } catch (const std::bad_alloc&) {
    err << "kfm: error: out of memory\n";
    return kOutOfMemory;
  } catch (const std::exception& e) {
    err << "kfm: error: internal error: " << one_line(e.what()) << '\n';
    return kInternal;
  } catch (...) {
    err << "kfm: error: internal error\n";
    return kInternal;
  }
}

int run_main(int argc, char** argv) {
  // Ctrl-C / SIGTERM set a flag that long loops check; the run then unwinds
  // (atomic writes leave the complete file or none) and exits 128 + signal.
  install_interrupt_handlers();
  std::vector<std::string> args(argv + 1, argv + argc);
  return run(args, std::cout, std::cerr);
}

}  // namespace kfm::cli
