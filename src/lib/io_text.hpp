#pragma once
// Small text helpers shared by the readers and writers so that every I/O error
// message stays on one line, whatever bytes a file (or a file name) contains.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace kfm::io::detail {

// `text` with control and non-ASCII bytes escaped (\n, \xHH) and, past
// `max_length` characters, cut short with "...".
std::string printable(std::string_view text, std::size_t max_length = 40);

// The name of `path` as the user wrote it, safe to put in a one-line message.
std::string display_name(const std::filesystem::path& path);

// Throws kfm::Error if `path` holds a NUL byte: the system would silently cut
// the name there and open or create a different file.
void require_no_nul(const std::filesystem::path& path);

// "nan", "inf" or "-inf" for a non-finite value (for messages).
std::string non_finite_name(double value);

}  // namespace kfm::io::detail
