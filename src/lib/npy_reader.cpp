// Reading .npy files: from memory (parse_npy) or streamed from disk (read_npy),
// both checking the header's claims against the bytes actually present before
// allocating anything.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <new>
#include <vector>

#include <fmt/format.h>

#include "input_file.hpp"
#include "io_text.hpp"
#include "kfm/error.hpp"
#include "kfm/io.hpp"
#include "kfm/limits.hpp"
#include "npy_format.hpp"

namespace kfm::io::detail {
namespace {

std::uint32_t read_le(std::string_view bytes, std::size_t offset, std::size_t width) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < width; ++i)
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

template <class Bits>
Bits load_le_bits(const char* p) {
  Bits bits = 0;
  for (std::size_t i = 0; i < sizeof(Bits); ++i)
    bits |= static_cast<Bits>(static_cast<unsigned char>(p[i])) << (8 * i);
  return bits;
}

double load_element(const char* p, DType dtype) {
  if (dtype == DType::f64) return std::bit_cast<double>(load_le_bits<std::uint64_t>(p));
  return static_cast<double>(std::bit_cast<float>(load_le_bits<std::uint32_t>(p)));
}

const char* dtype_name(DType dtype) { return dtype == DType::f64 ? "float64" : "float32"; }

}  // namespace

NpyPreamble parse_npy_preamble(std::string_view start, std::size_t file_size,
                               const std::string& name) {
  if (start.substr(0, npy_magic.size()) != npy_magic)
    throw Error(fmt::format("{}: not a .npy file (it does not start with \\x93NUMPY)", name));
  if (start.size() < 8)
    throw Error(fmt::format("{}: truncated .npy file ({} bytes, no room for the version)", name,
                            file_size));
  NpyPreamble preamble;
  preamble.major = static_cast<unsigned char>(start[6]);
  preamble.minor = static_cast<unsigned char>(start[7]);
  if ((preamble.major < 1 || preamble.major > 3) || preamble.minor != 0)
    throw Error(fmt::format("{}: unsupported .npy format version {}.{} (kfm reads 1.0, 2.0 and 3.0)",
                            name, preamble.major, preamble.minor));
  preamble.header_offset = preamble.major == 1 ? npy_v1_prefix : npy_v2_prefix;
  if (start.size() < preamble.header_offset)
    throw Error(fmt::format("{}: truncated .npy file ({} bytes, no room for the header length)",
                            name, file_size));
  preamble.header_length = read_le(start, 8, preamble.header_offset - 8);
  if (preamble.header_length > file_size - preamble.header_offset)
    throw Error(fmt::format("{}: truncated .npy header: its length field says {} bytes, but only "
                            "{} bytes follow", name, preamble.header_length,
                            file_size - preamble.header_offset));
  return preamble;
}

void check_npy_data_size(const NpyHeader& header, std::size_t available, const std::string& name) {
  if (available == header.data_bytes) return;
  const std::string needs = fmt::format("shape {} of {} needs {} bytes of data, found {}",
                                        format_shape(header.shape), dtype_name(header.dtype),
                                        header.data_bytes, available);
  if (available < header.data_bytes)
    throw Error(fmt::format("{}: truncated .npy data: {}", name, needs));
  throw Error(fmt::format("{}: {} unexpected bytes after the .npy data: {}", name,
                          available - header.data_bytes, needs));
}

void NpyDecoder::consume(const char* bytes, std::size_t count) {
  const std::size_t item = header_.item_size;
  const std::size_t n = count / item;
  if (!header_.fortran_order || header_.shape.size() == 1) {
    // C order (and any 1-D array): file order is the row-major buffer order.
    double* dest = out_.data() + next_;
    for (std::size_t k = 0; k < n; ++k) dest[k] = load_element(bytes + k * item, header_.dtype);
  } else {
    // Fortran order: columns one after another.
    const Eigen::Index rows = out_.rows();
    for (std::size_t k = 0; k < n; ++k) {
      out_(row_, col_) = load_element(bytes + k * item, header_.dtype);
      if (++row_ == rows) {
        row_ = 0;
        ++col_;
      }
    }
  }
  next_ += n;
}

void check_finite(const Matrix<double>& values, bool one_dimensional, const std::string& name) {
  const double* data = values.data();
  const std::size_t size = static_cast<std::size_t>(values.size());
  const double* bad = std::find_if(data, data + size, [](double v) { return !std::isfinite(v); });
  if (bad == data + size) return;
  const auto index = static_cast<std::size_t>(bad - data);
  const auto cols = static_cast<std::size_t>(values.cols());
  if (one_dimensional)
    throw Error(fmt::format("{}: non-finite value {} at element {} (index [{}]); NaN and Inf are "
                            "not allowed", name, non_finite_name(*bad), index + 1, index));
  throw Error(fmt::format("{}: non-finite value {} at row {}, column {} (index [{}, {}]); NaN and "
                          "Inf are not allowed", name, non_finite_name(*bad), index / cols + 1,
                          index % cols + 1, index / cols, index % cols));
}

Matrix<double> allocate_matrix(std::size_t rows, std::size_t cols, const std::string& name) {
  try {
    return Matrix<double>(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  } catch (const std::bad_alloc&) {
    throw Error(fmt::format("{}: not enough memory for a {} x {} matrix", name, rows, cols));
  }
}

}  // namespace kfm::io::detail

namespace kfm::io {

using namespace detail;

namespace {

LoadedMatrix make_loaded(const NpyHeader& header, const std::string& name) {
  LoadedMatrix loaded;
  loaded.dtype = header.dtype;
  loaded.one_dimensional = header.shape.size() == 1;
  // The data size was checked against the file; this checks the float64 copy.
  require_elements({header.rows, header.cols}, sizeof(double),
                   fmt::format("{}: a {} x {} matrix", name, header.rows, header.cols));
  loaded.values = allocate_matrix(header.rows, header.cols, name);
  return loaded;
}

}  // namespace

LoadedMatrix parse_npy(std::string_view bytes, const std::string& name) {
  const NpyPreamble preamble = parse_npy_preamble(bytes.substr(0, npy_v2_prefix), bytes.size(), name);
  const NpyHeader header =
      parse_npy_header(bytes.substr(preamble.header_offset, preamble.header_length), name);
  const std::string_view data = bytes.substr(preamble.data_offset());
  check_npy_data_size(header, data.size(), name);
  LoadedMatrix loaded = make_loaded(header, name);
  NpyDecoder(header, loaded.values).consume(data.data(), data.size());
  check_finite(loaded.values, loaded.one_dimensional, name);
  return loaded;
}

LoadedMatrix read_npy(const std::filesystem::path& path) {
  InputFile file(path);
  if (!file.size()) return parse_npy(file.read_rest(), file.name());  // a pipe: no size to check
  const std::size_t file_size = *file.size();
  const std::string& name = file.name();

  // Magic and version first: they say how long the header-length field is.
  std::string start(std::min<std::size_t>(file_size, 8), '\0');
  start.resize(file.read(start.data(), start.size()));
  const std::size_t prefix = start.size() == 8 && start[6] == 1 ? npy_v1_prefix : npy_v2_prefix;
  if (start.size() == 8 && file_size > 8) {
    start.resize(std::min(file_size, prefix));
    start.resize(8 + file.read(start.data() + 8, start.size() - 8));
  }
  const NpyPreamble preamble = parse_npy_preamble(start, file_size, name);
  std::string header_text(preamble.header_length, '\0');
  if (file.read(header_text.data(), header_text.size()) < header_text.size())
    throw Error(fmt::format("{}: truncated .npy header (the file shrank while reading)", name));
  const NpyHeader header = parse_npy_header(header_text, name);
  check_npy_data_size(header, file_size - preamble.data_offset(), name);

  LoadedMatrix loaded = make_loaded(header, name);
  NpyDecoder decoder(header, loaded.values);
  // Stream the data in chunks that hold whole elements (1 MiB is a multiple of 8);
  // small files need no more than their data size.
  std::vector<char> buffer(std::min(std::size_t{1} << 20, header.data_bytes));
  for (std::size_t done = 0; done < header.data_bytes;) {
    const std::size_t want = std::min(buffer.size(), header.data_bytes - done);
    const std::size_t got = file.read(buffer.data(), want);
    if (got < want)
      throw Error(fmt::format("{}: truncated .npy data: expected {} bytes, found {} (the file "
                              "shrank while reading)", name, header.data_bytes, done + got));
    decoder.consume(buffer.data(), got);
    done += got;
  }
  check_finite(loaded.values, loaded.one_dimensional, name);
  return loaded;
}

}  // namespace kfm::io
