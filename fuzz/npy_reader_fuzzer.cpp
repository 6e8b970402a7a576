// libFuzzer target for the .npy reader. Checks, beyond "only kfm::Error
// escapes": the in-memory parser and the streaming file reader agree, accepted
// data is finite and consistent with the input size, and it survives a
// write/read round trip bit for bit.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "kfm/error.hpp"
#include "kfm/io.hpp"
#include "npy_format.hpp"

namespace {

std::optional<kfm::io::LoadedMatrix> try_parse(std::string_view bytes) {
  try {
    return kfm::io::parse_npy(bytes, "fuzz.npy");
  } catch (const kfm::Error&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using kfm::fuzz::finding;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::optional<kfm::io::LoadedMatrix> parsed = try_parse(bytes);

  std::optional<kfm::io::LoadedMatrix> streamed;
  try {
    const kfm::fuzz::MemoryFile file(bytes);
    streamed = kfm::io::read_npy(file.path(".npy"));
  } catch (const kfm::Error&) {
  }
  if (parsed.has_value() != streamed.has_value()) finding("parse_npy and read_npy disagree");
  if (!parsed) return 0;

  const kfm::io::LoadedMatrix& m = *parsed;
  if (m.values.size() == 0) finding("accepted an empty matrix");
  if (!m.values.allFinite()) finding("accepted a non-finite value");
  const std::size_t item = m.dtype == kfm::io::DType::f64 ? 8 : 4;
  if (static_cast<std::size_t>(m.values.size()) * item > size) finding("more data than bytes");
  if (!kfm::fuzz::same(*streamed, m)) finding("parse_npy and read_npy return different matrices");

  const std::string again =
      kfm::io::detail::encode_npy(m.values, m.dtype, m.one_dimensional, "fuzz.npy");
  const std::optional<kfm::io::LoadedMatrix> back = try_parse(again);
  if (!back || !kfm::fuzz::same(*back, m)) finding("write/read round trip changed the matrix");
  return 0;
}
