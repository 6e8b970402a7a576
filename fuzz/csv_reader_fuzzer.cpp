// libFuzzer target for the CSV reader. Checks, beyond "only kfm::Error
// escapes": the in-memory parser and the streaming file reader agree, accepted
// data is finite, and it survives a write/read round trip exactly (%.17g).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "csv_format.hpp"
#include "fuzz_util.hpp"
#include "kfm/error.hpp"
#include "kfm/io.hpp"

namespace {

std::optional<kfm::io::LoadedMatrix> try_parse(std::string_view text) {
  try {
    return kfm::io::parse_csv(text, "fuzz.csv");
  } catch (const kfm::Error&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using kfm::fuzz::finding;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<kfm::io::LoadedMatrix> parsed = try_parse(text);

  std::optional<kfm::io::LoadedMatrix> streamed;
  try {
    const kfm::fuzz::MemoryFile file(text);
    streamed = kfm::io::read_csv(file.path(".csv"));
  } catch (const kfm::Error&) {
  }
  if (parsed.has_value() != streamed.has_value()) finding("parse_csv and read_csv disagree");
  if (!parsed) return 0;

  const kfm::io::LoadedMatrix& m = *parsed;
  if (m.values.size() == 0) finding("accepted an empty matrix");
  if (!m.values.allFinite()) finding("accepted a non-finite value");
  if (!kfm::fuzz::same(*streamed, m)) finding("parse_csv and read_csv return different matrices");

  const std::string again = kfm::io::detail::encode_csv(m.values, kfm::io::DType::f64,
                                                        /*as_vector=*/false, "fuzz.csv");
  const std::optional<kfm::io::LoadedMatrix> back = try_parse(again);
  if (!back || !kfm::fuzz::same(*back, m)) finding("write/read round trip changed the matrix");
  return 0;
}
