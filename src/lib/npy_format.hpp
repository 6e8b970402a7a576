#pragma once
// The NumPy .npy format, split into the steps a reader needs so that nothing is
// allocated on a header's word before the file size has been checked:
//   1. the preamble (magic, version, header length),
//   2. the header (a Python dict literal: descr, fortran_order, shape),
//   3. the data size check, then the data itself.
// Format reference: numpy/lib/format.py (versions 1.0, 2.0 and 3.0).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kfm/io.hpp"
#include "kfm/matrix.hpp"

namespace kfm::io::detail {

inline constexpr std::string_view npy_magic = "\x93NUMPY";
// Bytes before the header text: magic (6), version (2), header length (2 or 4).
inline constexpr std::size_t npy_v1_prefix = 10;
inline constexpr std::size_t npy_v2_prefix = 12;
// NumPy aligns the data start to 64 bytes; so do we when writing.
inline constexpr std::size_t npy_alignment = 64;

struct NpyPreamble {
  int major = 1;
  int minor = 0;
  std::size_t header_offset = 0;  // where the header text starts
  std::size_t header_length = 0;
  std::size_t data_offset() const { return header_offset + header_length; }
};

// `start` holds the first min(12, file_size) bytes of the file. Checks the magic,
// the version and that the header fits in `file_size` bytes.
NpyPreamble parse_npy_preamble(std::string_view start, std::size_t file_size,
                               const std::string& name);

struct NpyHeader {
  DType dtype = DType::f64;
  bool fortran_order = false;
  std::vector<std::size_t> shape;  // 1 or 2 dimensions, none zero
  std::size_t rows = 0;            // shape[0]
  std::size_t cols = 0;            // shape[1], or 1 for a 1-D array
  std::size_t item_size = 8;
  std::size_t data_bytes = 0;      // rows * cols * item_size, overflow-checked
};

// Parses and validates the header dict (any key order, whitespace, trailing
// commas); throws Error naming the file and the offending field.
NpyHeader parse_npy_header(std::string_view header_text, const std::string& name);

// Throws unless exactly header.data_bytes bytes of data are present.
void check_npy_data_size(const NpyHeader& header, std::size_t available, const std::string& name);

// "(3, 4)" or "(5,)", as Python prints a shape.
std::string format_shape(const std::vector<std::size_t>& shape);

// Converts the raw data, chunk by chunk, into a row-major matrix of doubles.
class NpyDecoder {
 public:
  NpyDecoder(const NpyHeader& header, Matrix<double>& out) : header_(header), out_(out) {}
  // `count` must be a multiple of the item size.
  void consume(const char* bytes, std::size_t count);

 private:
  const NpyHeader& header_;
  Matrix<double>& out_;
  std::size_t next_ = 0;  // elements stored so far (file order)
  Eigen::Index row_ = 0;  // Fortran order: position of the next element
  Eigen::Index col_ = 0;
};

// Rejects NaN and Inf, naming the first one's row and column.
void check_finite(const Matrix<double>& values, bool one_dimensional, const std::string& name);

// Allocates rows x cols, turning an allocation failure into a kfm::Error.
Matrix<double> allocate_matrix(std::size_t rows, std::size_t cols, const std::string& name);

// The .npy file for `values` (version 1.0, C order, data aligned to 64 bytes).
std::string encode_npy(const Matrix<double>& values, DType dtype, bool as_vector,
                       const std::string& name);

}  // namespace kfm::io::detail
