// Writing .npy: version 1.0, C order, little-endian float32/float64, the data
// aligned to 64 bytes as NumPy itself does.
#include <bit>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "kfm/error.hpp"
#include "npy_format.hpp"

namespace kfm::io::detail {
namespace {

template <class Bits>
void store_le(char* out, Bits bits) {
  for (std::size_t i = 0; i < sizeof(Bits); ++i) out[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
}

}  // namespace

std::string encode_npy(const Matrix<double>& values, DType dtype, bool as_vector,
                       const std::string& name) {
  if (as_vector && values.cols() != 1)
    throw Error(fmt::format("{}: cannot write a {} x {} matrix as a vector (needs one column)",
                            name, values.rows(), values.cols()));
  const std::string shape = as_vector ? fmt::format("({},)", values.rows())
                                      : fmt::format("({}, {})", values.rows(), values.cols());
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                   dtype == DType::f64 ? "<f8" : "<f4", shape);
  // Pad with spaces and a final newline so the data starts on a 64-byte boundary.
  const std::size_t unpadded = npy_v1_prefix + header.size() + 1;
  header.append((npy_alignment - unpadded % npy_alignment) % npy_alignment, ' ');
  header.push_back('\n');

  const std::size_t item = dtype == DType::f64 ? 8 : 4;
  const std::size_t data_offset = npy_v1_prefix + header.size();
  std::string out(data_offset + static_cast<std::size_t>(values.size()) * item, '\0');
  out.replace(0, npy_magic.size(), npy_magic);
  out[6] = '\x01';  // version 1.0
  out[7] = '\x00';
  store_le(out.data() + 8, static_cast<std::uint16_t>(header.size()));
  out.replace(npy_v1_prefix, header.size(), header);
  const double* data = values.data();  // row-major: C order
  char* dest = out.data() + data_offset;
  for (std::size_t k = 0; k < static_cast<std::size_t>(values.size()); ++k) {
    if (dtype == DType::f64)
      store_le(dest + k * item, std::bit_cast<std::uint64_t>(data[k]));
    else
      store_le(dest + k * item, std::bit_cast<std::uint32_t>(static_cast<float>(data[k])));
  }
  return out;
}

}  // namespace kfm::io::detail
