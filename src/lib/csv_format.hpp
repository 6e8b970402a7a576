#pragma once
// CSV as kfm reads and writes it: comma-separated numbers, one row per line,
// spaces/tabs around fields allowed, '#' starts a comment (whole line or
// trailing), blank lines skipped, CRLF tolerated, no header row.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/io.hpp"
#include "kfm/matrix.hpp"

namespace kfm::io::detail {

// Parses line by line, so a file can be streamed; errors name the file, the
// line and the column (both counted from 1).
class CsvParser {
 public:
  // Reads the memory limit (kfm/limits.hpp): the values of a file that would
  // not fit are rejected while parsing, before memory runs out.
  explicit CsvParser(std::string name);
  void add_line(std::string_view line);  // without the '\n'
  LoadedMatrix finish();

 private:
  [[noreturn]] void fail_field(std::size_t column, const std::string& what) const;
  double parse_field(std::string_view field, std::size_t column) const;

  std::string name_;
  std::size_t line_number_ = 0;
  std::size_t first_data_line_ = 0;
  std::size_t cols_ = 0;
  std::size_t rows_ = 0;
  std::vector<double> values_;
  std::size_t max_values_ = 0;  // values held now and again in the final matrix
};

// The CSV text for `values` (%.17g for f64, %.9g for f32: both round-trip).
std::string encode_csv(const Matrix<double>& values, DType dtype, bool as_vector,
                       const std::string& name);

}  // namespace kfm::io::detail
