#pragma once
// The kfm command line: a table of subcommands, each in its own *_command.cpp.
#include <iosfwd>
#include <string>
#include <vector>

#include "args.hpp"

namespace kfm::cli {

struct Command {
  std::string name;
  std::string summary;                // one line for `kfm --help`
  std::string usage;                  // synopsis and notes for `kfm NAME --help`
  std::vector<OptionSpec> options;
  size_t max_positional = 0;
  int (*run)(const ParsedArgs& args, std::ostream& out);
};

Command velocity_command();
Command sample_command();
Command regimes_command();

// Runs kfm with the words after the program name. Errors become one line
// "kfm: error: ..." on `err` and a status in 1..125; nothing escapes. A run
// stopped by SIGINT/SIGTERM (kfm::Interrupted) returns 128 + the signal number.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_main(int argc, char** argv);

}  // namespace kfm::cli
