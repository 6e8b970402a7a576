#pragma once
// A small strict command-line parser: --flag VALUE or --flag=VALUE, boolean
// switches, no positional arguments except where a command declares them.
// Every mistake (unknown flag, missing value, repeated flag, malformed number)
// throws kfm::Error with a one-line message.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kfm::cli {

struct OptionSpec {
  std::string name;        // without the leading "--"
  std::string value_name;  // empty for a boolean switch
  std::string help;
  bool required = false;
};

class ParsedArgs {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string required(const std::string& name) const;
  double number(const std::string& name, double fallback) const;
  long integer(const std::string& name, long fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend ParsedArgs parse_args(const std::vector<std::string>&, const std::vector<OptionSpec>&,
                               size_t);
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// Parses args against specs; accepts at most `max_positional` positional words.
ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                      size_t max_positional = 0);

// Strict conversions: the whole text must be a finite number / an integer.
double parse_double(const std::string& text, const std::string& what);
long parse_integer(const std::string& text, const std::string& what);

// "  --name VALUE   help" lines for a command's --help.
std::string format_options(const std::vector<OptionSpec>& specs);

}  // namespace kfm::cli
