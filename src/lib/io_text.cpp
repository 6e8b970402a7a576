#include "io_text.hpp"

#include <cmath>

#include <fmt/format.h>

#include "kfm/error.hpp"

namespace kfm::io::detail {

std::string printable(std::string_view text, std::size_t max_length) {
  std::string out;
  const bool cut = text.size() > max_length;
  if (cut) text = text.substr(0, max_length);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  if (cut) out += "...";
  return out;
}

std::string display_name(const std::filesystem::path& path) {
  return printable(path.string(), 4096);
}

void require_no_nul(const std::filesystem::path& path) {
  if (path.native().find('\0') != std::string::npos)
    throw Error(fmt::format("{}: file name contains a NUL byte", display_name(path)));
}

std::string non_finite_name(double value) {
  if (std::isnan(value)) return "nan";
  return value > 0 ? "inf" : "-inf";
}

}  // namespace kfm::io::detail
