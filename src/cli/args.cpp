#include "args.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "kfm/error.hpp"

namespace kfm::cli {

std::optional<std::string> ParsedArgs::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string ParsedArgs::required(const std::string& name) const {
  auto value = get(name);
  if (!value) throw Error(fmt::format("missing required option --{}", name));
  return *value;
}

double ParsedArgs::number(const std::string& name, double fallback) const {
  auto value = get(name);
  return value ? parse_double(*value, "--" + name) : fallback;
}

long ParsedArgs::integer(const std::string& name, long fallback) const {
  auto value = get(name);
  return value ? parse_integer(*value, "--" + name) : fallback;
}

double parse_double(const std::string& text, const std::string& what) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value))
    throw Error(fmt::format("{} expects a finite number, got '{}'", what, text));
  return value;
}

long parse_integer(const std::string& text, const std::string& what) {
  long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    throw Error(fmt::format("{} expects an integer, got '{}'", what, text));
  return value;
}

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                      size_t max_positional) {
  ParsedArgs parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      if (!arg.empty() && arg[0] == '-' && arg.size() > 1 && arg != "--")
        throw Error(fmt::format("unknown option '{}'", arg));
      if (parsed.positional_.size() >= max_positional)
        throw Error(fmt::format("unexpected argument '{}'", arg));
      parsed.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) throw Error(fmt::format("unknown option '--{}'", name));
    if (parsed.values_.count(name)) throw Error(fmt::format("option --{} given twice", name));
    if (spec->value_name.empty()) {
      if (inline_value) throw Error(fmt::format("option --{} takes no value", name));
      parsed.values_.emplace(name, "true");
    } else if (inline_value) {
      parsed.values_.emplace(name, *inline_value);
    } else {
      if (i + 1 >= args.size())
        throw Error(fmt::format("option --{} needs a value ({})", name, spec->value_name));
      parsed.values_.emplace(name, args[++i]);
    }
  }
  for (const auto& s : specs)
    if (s.required && !parsed.has(s.name))
      throw Error(fmt::format("missing required option --{}", s.name));
  return parsed;
}

std::string format_options(const std::vector<OptionSpec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    std::string left = "--" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    out += fmt::format("  {:<24} {}{}\n", left, s.help, s.required ? " (required)" : "");
  }
  return out;
}

}  // namespace kfm::cli
