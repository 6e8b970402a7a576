// Writing CSV with round-trip precision: std::to_chars in general format with
// 17 significant digits for float64 and 9 for float32 (the same text as
// printf's %.17g / %.9g, but independent of the C locale).
#include <charconv>
#include <string>

#include <fmt/format.h>

#include "csv_format.hpp"
#include "kfm/error.hpp"

namespace kfm::io::detail {

std::string encode_csv(const Matrix<double>& values, DType dtype, bool as_vector,
                       const std::string& name) {
  if (as_vector && values.cols() != 1)
    throw Error(fmt::format("{}: cannot write a {} x {} matrix as a vector (needs one column)",
                            name, values.rows(), values.cols()));
  std::string out;
  out.reserve(static_cast<std::size_t>(values.size()) * 24);
  char buffer[64];
  for (Eigen::Index i = 0; i < values.rows(); ++i) {
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      if (j > 0) out.push_back(',');
      const auto result =
          dtype == DType::f64
              ? std::to_chars(buffer, buffer + sizeof buffer, values(i, j),
                              std::chars_format::general, 17)
              : std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(values(i, j)),
                              std::chars_format::general, 9);
      out.append(buffer, result.ptr);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace kfm::io::detail
