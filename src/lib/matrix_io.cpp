// Format dispatch by file extension for reading and writing matrices.
#include <fmt/format.h>

#include "csv_format.hpp"
#include "io_text.hpp"
#include "kfm/error.hpp"
#include "kfm/io.hpp"
#include "npy_format.hpp"

namespace kfm::io {

LoadedMatrix read_matrix(const std::filesystem::path& path) {
  if (path.extension() == ".npy") return read_npy(path);
  return read_csv(path);
}

void write_matrix(const std::filesystem::path& path, const Matrix<double>& values, DType dtype,
                  bool as_vector) {
  const std::string name = detail::display_name(path);
  const std::string ext = path.extension().string();
  if (ext == ".npy") return write_file_atomic(path, detail::encode_npy(values, dtype, as_vector, name));
  if (ext == ".csv") return write_file_atomic(path, detail::encode_csv(values, dtype, as_vector, name));
  throw Error(fmt::format("{}: unsupported output extension '{}' (expected .npy or .csv)", name,
                          detail::printable(ext)));
}

}  // namespace kfm::io
