// Reading CSV: a streaming, line-by-line parser; numbers are parsed exactly
// (std::from_chars, locale-independent).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "csv_format.hpp"
#include "input_file.hpp"
#include "io_text.hpp"
#include "kfm/error.hpp"
#include "kfm/limits.hpp"
#include "npy_format.hpp"

namespace kfm::io::detail {
namespace {

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

CsvParser::CsvParser(std::string name)
    : name_(std::move(name)), max_values_(memory_limit_bytes() / (2 * sizeof(double))) {}

void CsvParser::fail_field(std::size_t column, const std::string& what) const {
  throw Error(fmt::format("{}: line {}, column {}: {}", name_, line_number_, column, what));
}

double CsvParser::parse_field(std::string_view field, std::size_t column) const {
  const std::string_view text = trim(field);
  if (text.empty()) fail_field(column, "empty field");
  std::string_view digits = text;
  if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-') digits.remove_prefix(1);
  double value = 0.0;
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error == std::errc::result_out_of_range)
    fail_field(column, fmt::format("\"{}\" is out of the range of float64", printable(text)));
  if (error != std::errc() || end != digits.data() + digits.size())
    fail_field(column, fmt::format("\"{}\" is not a number", printable(text)));
  if (!std::isfinite(value))
    fail_field(column, fmt::format("non-finite value \"{}\"; NaN and Inf are not allowed",
                                   printable(text)));
  return value;
}

void CsvParser::add_line(std::string_view line) {
  ++line_number_;
  if (line_number_ == 1) {
    if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 byte order mark
    if (line.substr(0, npy_magic.size()) == npy_magic)
      throw Error(fmt::format("{}: this is a .npy file, not CSV; name it with the .npy extension",
                              name_));
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (const std::size_t hash = line.find('#'); hash != std::string_view::npos)
    line = line.substr(0, hash);
  if (trim(line).empty()) return;

  std::size_t column = 0;
  for (;;) {
    const std::size_t comma = line.find(',');
    ++column;
    if (cols_ != 0 && column > cols_)
      throw Error(fmt::format("{}: line {}: more than {} column{} (line {} has {})", name_,
                              line_number_, cols_, cols_ == 1 ? "" : "s", first_data_line_, cols_));
    if (values_.size() >= max_values_)
      throw Error(fmt::format("{}: line {}: more than {} values; the file needs more memory than "
                              "the limit of {} (3/4 of physical memory, or KFM_MEMORY_LIMIT_MB)",
                              name_, line_number_, values_.size(),
                              format_bytes(memory_limit_bytes())));
    values_.push_back(parse_field(line.substr(0, comma), column));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  if (cols_ == 0) {
    cols_ = column;
    first_data_line_ = line_number_;
  } else if (column != cols_) {
    throw Error(fmt::format("{}: line {}: {} column{}, but line {} has {}", name_, line_number_,
                            column, column == 1 ? "" : "s", first_data_line_, cols_));
  }
  ++rows_;
}

LoadedMatrix CsvParser::finish() {
  if (line_number_ == 0) throw Error(fmt::format("{}: the file is empty (no data rows)", name_));
  if (rows_ == 0)
    throw Error(fmt::format("{}: no data rows ({} lines, all blank or comments)", name_,
                            line_number_));
  LoadedMatrix loaded;
  loaded.dtype = DType::f64;
  loaded.values = allocate_matrix(rows_, cols_, name_);
  std::memcpy(loaded.values.data(), values_.data(), values_.size() * sizeof(double));
  values_ = {};
  return loaded;
}

}  // namespace kfm::io::detail

namespace kfm::io {

using detail::CsvParser;

LoadedMatrix parse_csv(std::string_view text, const std::string& name) {
  CsvParser parser(name);
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    parser.add_line(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return parser.finish();
}

LoadedMatrix read_csv(const std::filesystem::path& path) {
  detail::InputFile file(path);
  CsvParser parser(file.name());
  // Read in chunks; `pending` holds the unfinished last line. Only new bytes
  // are searched for '\n', so very long lines stay linear.
  // A small file is read in one chunk of its own size (+1 to see the end).
  const std::size_t chunk = std::min(std::size_t{1} << 20, file.size().value_or(SIZE_MAX - 1) + 1);
  std::string pending;
  // A pipe or device (/dev/zero) can stream a line without end: bound it.
  const std::size_t max_line = memory_limit_bytes() / 4;
  for (;;) {
    const std::size_t scanned = pending.size();
    pending.resize(scanned + chunk);
    const std::size_t got = file.read(pending.data() + scanned, chunk);
    pending.resize(scanned + got);
    std::size_t line_start = 0;
    for (std::size_t newline = pending.find('\n', scanned); newline != std::string::npos;
         newline = pending.find('\n', line_start)) {
      parser.add_line(std::string_view(pending).substr(line_start, newline - line_start));
      line_start = newline + 1;
    }
    pending.erase(0, line_start);
    if (pending.size() > max_line)
      throw Error(fmt::format("{}: a line longer than {} (a quarter of the memory limit, see "
                              "KFM_MEMORY_LIMIT_MB); is this a CSV file?", file.name(),
                              format_bytes(max_line)));
    if (got < chunk) break;
  }
  if (!pending.empty()) parser.add_line(pending);
  return parser.finish();
}

}  // namespace kfm::io
