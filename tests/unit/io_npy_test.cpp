// .npy reading and writing: round trips, hand-built headers of every version,
// Fortran order, files written by real NumPy, and every malformed case.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "io_test_util.hpp"
#include "kfm/io.hpp"

namespace kfm::io {
namespace {

using test::f32_bytes;
using test::f64_bytes;
using test::npy_file;
using test::ScratchDir;
using test::throws_error;

constexpr const char* kDict23 = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";

std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

// Expects the same error from parsing `bytes` in memory and from reading them
// from a file (the streaming path).
void expect_npy_error(const std::string& bytes, std::initializer_list<std::string_view> parts) {
  EXPECT_TRUE(throws_error([&] { (void)parse_npy(bytes, "bad.npy"); }, "bad.npy", parts));
  ScratchDir dir;
  const auto path = dir / "bad.npy";
  test::write_bytes(path, bytes);
  const std::string name = path.string();
  EXPECT_TRUE(throws_error([&] { (void)read_npy(path); }, name, parts));
  EXPECT_TRUE(throws_error([&] { (void)read_matrix(path); }, name, parts));
}

// Loads `bytes` both from memory and from a file; the two must agree.
LoadedMatrix load_both(const std::string& bytes) {
  LoadedMatrix in_memory = parse_npy(bytes, "good.npy");
  ScratchDir dir;
  test::write_bytes(dir / "good.npy", bytes);
  const LoadedMatrix from_file = read_npy(dir / "good.npy");
  EXPECT_EQ(from_file.dtype, in_memory.dtype);
  EXPECT_EQ(from_file.one_dimensional, in_memory.one_dimensional);
  EXPECT_TRUE(from_file.values == in_memory.values);
  return in_memory;
}

Matrix<double> special_values() {
  Matrix<double> m(3, 3);
  m << 4.9406564584124654e-324, 1e300, -0.0,  //
      std::numeric_limits<double>::max(), -1e-300, 3.141592653589793,  //
      2.2250738585072014e-308, -7.5, 0.1;
  return m;
}

TEST(NpyRoundTrip, Float64ExactIncludingDenormalsHugeAndNegativeZero) {
  ScratchDir dir;
  const Matrix<double> values = special_values();
  write_matrix(dir / "m.npy", values, DType::f64);
  const LoadedMatrix loaded = read_matrix(dir / "m.npy");
  EXPECT_EQ(loaded.dtype, DType::f64);
  EXPECT_FALSE(loaded.one_dimensional);
  ASSERT_EQ(loaded.values.rows(), 3);
  ASSERT_EQ(loaded.values.cols(), 3);
  for (Eigen::Index i = 0; i < 3; ++i)
    for (Eigen::Index j = 0; j < 3; ++j)
      EXPECT_EQ(bits(loaded.values(i, j)), bits(values(i, j))) << i << "," << j;
}

TEST(NpyRoundTrip, Float32StoresTheNearestFloat) {
  ScratchDir dir;
  Matrix<double> values(2, 3);
  values << 0.1, -0.0, 1e-45, 3.4e38, -2.5, 1.0 / 3.0;
  write_matrix(dir / "m.npy", values, DType::f32);
  const LoadedMatrix loaded = read_matrix(dir / "m.npy");
  EXPECT_EQ(loaded.dtype, DType::f32);
  for (Eigen::Index i = 0; i < 2; ++i)
    for (Eigen::Index j = 0; j < 3; ++j)
      EXPECT_EQ(bits(loaded.values(i, j)), bits(static_cast<double>(static_cast<float>(values(i, j)))))
          << i << "," << j;
  // 4 bytes per element after the header.
  EXPECT_EQ(test::read_bytes(dir / "m.npy").size() % 64, 24u);
}

TEST(NpyRoundTrip, VectorIsWrittenAsOneDimensional) {
  ScratchDir dir;
  Matrix<double> values(4, 1);
  values << 1.5, -2.0, 5e-324, 1e300;
  write_matrix(dir / "v.npy", values, DType::f64, /*as_vector=*/true);
  const std::string bytes = test::read_bytes(dir / "v.npy");
  EXPECT_NE(bytes.find("'shape': (4,)"), std::string::npos) << bytes.substr(0, 64);
  const LoadedMatrix loaded = read_matrix(dir / "v.npy");
  EXPECT_TRUE(loaded.one_dimensional);
  ASSERT_EQ(loaded.values.rows(), 4);
  ASSERT_EQ(loaded.values.cols(), 1);
  for (Eigen::Index i = 0; i < 4; ++i) EXPECT_EQ(bits(loaded.values(i, 0)), bits(values(i, 0)));
}

TEST(NpyWriter, HeaderIsVersion1PaddedTo64BytesInCOrder) {
  ScratchDir dir;
  Matrix<double> values(2, 3);
  values << 1, 2, 3, 4, 5, 6;
  write_matrix(dir / "m.npy", values);
  const std::string bytes = test::read_bytes(dir / "m.npy");
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header_length =
      static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  EXPECT_EQ((10 + header_length) % 64, 0u);
  EXPECT_EQ(bytes[10 + header_length - 1], '\n');
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(bytes.substr(10, dict.size()), dict);
  EXPECT_EQ(bytes.find_first_not_of(' ', 10 + dict.size()), 10 + header_length - 1);
  EXPECT_EQ(bytes.substr(10 + header_length), f64_bytes({1, 2, 3, 4, 5, 6}));
}

TEST(NpyWriter, VectorNeedsOneColumn) {
  ScratchDir dir;
  const Matrix<double> values = Matrix<double>::Zero(3, 2);
  EXPECT_TRUE(throws_error([&] { write_matrix(dir / "v.npy", values, DType::f64, true); },
                           (dir / "v.npy").string(), {"3 x 2", "one column"}));
  EXPECT_EQ(dir.listing(), "");
}

TEST(NpyReader, HeadersOfVersions1And2And3) {
  const std::string data = f64_bytes({1, 2, 3, 4, 5, 6});
  for (const int major : {1, 2, 3}) {
    const LoadedMatrix loaded = load_both(npy_file(major, kDict23, data));
    ASSERT_EQ(loaded.values.rows(), 2) << "version " << major;
    ASSERT_EQ(loaded.values.cols(), 3);
    EXPECT_EQ(loaded.values(0, 0), 1.0);
    EXPECT_EQ(loaded.values(0, 2), 3.0);
    EXPECT_EQ(loaded.values(1, 0), 4.0);
    EXPECT_EQ(loaded.values(1, 2), 6.0);
  }
}

TEST(NpyReader, DictSyntaxVariants) {
  const std::string data = f32_bytes({1, 2, 3, 4, 5, 6});
  for (const char* dict : {
           "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",  // any order, no trailing comma
           "{ 'descr' : '<f4' ,\t'fortran_order' :False,'shape':(2,3,),}",  // spacing, trailing commas
           "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}",  // double quotes
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",  // Python 2 longs
           "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3), }",  // native order
       }) {
    const LoadedMatrix loaded = load_both(npy_file(1, dict, data));
    EXPECT_EQ(loaded.dtype, DType::f32) << dict;
    ASSERT_EQ(loaded.values.rows(), 2) << dict;
    ASSERT_EQ(loaded.values.cols(), 3) << dict;
    EXPECT_EQ(loaded.values(1, 2), 6.0) << dict;
  }
}

TEST(NpyReader, UnpaddedHeaderWithoutNewlineIsAccepted) {
  std::string bytes = "\x93NUMPY\x01";
  bytes.push_back('\0');
  const std::string dict = "{'descr':'<f8','fortran_order':False,'shape':(1,)}";
  bytes.push_back(static_cast<char>(dict.size()));
  bytes.push_back('\0');
  bytes += dict + f64_bytes({42.0});
  const LoadedMatrix loaded = load_both(bytes);
  EXPECT_TRUE(loaded.one_dimensional);
  EXPECT_EQ(loaded.values(0, 0), 42.0);
}

TEST(NpyReader, FortranOrderIsTransposedIntoPlace) {
  // 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
  const std::string f64 = npy_file(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                                   f64_bytes({1, 4, 2, 5, 3, 6}));
  const std::string f32 = npy_file(2, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                   f32_bytes({1, 4, 2, 5, 3, 6}));
  for (const std::string& bytes : {f64, f32}) {
    const LoadedMatrix loaded = load_both(bytes);
    Matrix<double> expected(2, 3);
    expected << 1, 2, 3, 4, 5, 6;
    EXPECT_TRUE(loaded.values == expected) << loaded.values;
  }
}

TEST(NpyReader, LargeFortranFileStreamsAcrossChunks) {
  // 70000 x 3 float64 is 1.68 MB: more than one 1 MiB read chunk.
  const std::size_t rows = 70000, cols = 3;
  std::string data;
  data.reserve(rows * cols * 8);
  for (std::size_t j = 0; j < cols; ++j)
    for (std::size_t i = 0; i < rows; ++i)
      data += f64_bytes({static_cast<double>(i) * 10.0 + static_cast<double>(j)});
  const LoadedMatrix loaded = load_both(
      npy_file(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (70000, 3), }", data));
  ASSERT_EQ(loaded.values.rows(), 70000);
  for (const Eigen::Index i : {0, 1, 13107, 43690, 69999})
    for (Eigen::Index j = 0; j < 3; ++j)
      ASSERT_EQ(loaded.values(i, j), static_cast<double>(i) * 10.0 + static_cast<double>(j));
}

TEST(NpyReader, FilesWrittenByNumpy) {
  const std::filesystem::path data = KFM_TEST_DATA_DIR;
  {
    const LoadedMatrix m = read_matrix(data / "numpy_f32_c.npy");
    EXPECT_EQ(m.dtype, DType::f32);
    ASSERT_EQ(m.values.rows(), 3);
    ASSERT_EQ(m.values.cols(), 4);
    for (Eigen::Index i = 0; i < 3; ++i)
      for (Eigen::Index j = 0; j < 4; ++j)
        EXPECT_EQ(m.values(i, j), static_cast<double>(4 * i + j) / 8.0 - 0.5) << i << "," << j;
  }
  {
    const LoadedMatrix m = read_matrix(data / "numpy_f64_fortran.npy");
    EXPECT_EQ(m.dtype, DType::f64);
    Matrix<double> expected(3, 2);
    expected << 0.25, 1.25, 10.25, 11.25, -0.0, 1e300;
    EXPECT_TRUE(m.values == expected) << m.values;
    EXPECT_TRUE(std::signbit(m.values(2, 0)));
  }
  {
    const LoadedMatrix m = read_matrix(data / "numpy_f64_1d.npy");
    EXPECT_TRUE(m.one_dimensional);
    ASSERT_EQ(m.values.rows(), 4);
    ASSERT_EQ(m.values.cols(), 1);
    EXPECT_EQ(m.values(1, 0), -2.5);
    EXPECT_EQ(m.values(3, 0), 5e-324);
  }
  {
    const LoadedMatrix m = read_matrix(data / "numpy_f64_v2.npy");
    Matrix<double> expected(2, 2);
    expected << 1, 2, 3, 4;
    EXPECT_TRUE(m.values == expected) << m.values;
  }
  {
    const LoadedMatrix m = read_matrix(data / "numpy_f32_v3.npy");
    EXPECT_EQ(m.dtype, DType::f32);
    Matrix<double> expected(2, 2);
    expected << 1.5, -2.5, 3.5, -4.5;
    EXPECT_TRUE(m.values == expected) << m.values;
  }
}

// ---- malformed files -------------------------------------------------------

TEST(NpyErrors, NotANpyFile) {
  expect_npy_error("", {"not a .npy file"});
  expect_npy_error("1,2,3\n", {"not a .npy file", "\\x93NUMPY"});
  expect_npy_error("\x93NUMP", {"not a .npy file"});
}

TEST(NpyErrors, TruncatedPreamble) {
  expect_npy_error(std::string("\x93NUMPY\x01", 7), {"truncated", "version"});
  expect_npy_error(std::string("\x93NUMPY\x01\x00\x10", 9), {"truncated", "header length"});
  expect_npy_error(std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11), {"truncated", "header length"});
}

TEST(NpyErrors, UnsupportedVersion) {
  for (const auto& [major, minor, text] :
       {std::tuple{4, 0, "4.0"}, std::tuple{0, 0, "0.0"}, std::tuple{1, 1, "1.1"}}) {
    std::string bytes = npy_file(1, kDict23, f64_bytes({1, 2, 3, 4, 5, 6}));
    bytes[6] = static_cast<char>(major);
    bytes[7] = static_cast<char>(minor);
    expect_npy_error(bytes, {"unsupported .npy format version", text});
  }
}

TEST(NpyErrors, HeaderLongerThanTheFile) {
  std::string bytes = npy_file(1, kDict23, "");
  bytes[8] = '\xff';
  bytes[9] = '\x7f';  // 32767 bytes claimed
  // The padded header fills the file up to 128 bytes: 118 follow the 10-byte prefix.
  expect_npy_error(bytes, {"truncated .npy header", "32767 bytes", "only 118 bytes follow"});
  std::string v2 = npy_file(2, kDict23, "");
  v2[11] = '\x7f';  // about 2 GB claimed: must fail without allocating it
  expect_npy_error(v2, {"truncated .npy header", "2130706548 bytes", "only 116 bytes follow"});
}

TEST(NpyErrors, MalformedDict) {
  const std::string data = f64_bytes({1, 2, 3, 4, 5, 6});
  const struct {
    const char* dict;
    const char* mention;
  } cases[] = {
      {"['descr', '<f8']", "expected '{'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)", "expected ',' or '}'"},
      {"{'descr' '<f8', 'fortran_order': False, 'shape': (2, 3)}", "expected ':' after key 'descr'"},
      {"{'descr': '<f8, 'fortran_order': False, 'shape': (2, 3)}", "expected ',' or '}'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)} x", "after the closing '}'"},
      {"{'descr': '<f8', 'fortran_order': false, 'shape': (2, 3)}", "unexpected character 'f'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2 3)}", "expected ',' or ')'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 99999999999999999999)}", "integer too large"},
      {"{3: '<f8'}", "dict key is an integer"},
      {"{'descr': '<f8", "unterminated string"},
      {"{'descr':", "unexpected end of header"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.dict);
    expect_npy_error(npy_file(1, c.dict, data), {"malformed .npy header", c.mention, "offset"});
  }
}

TEST(NpyErrors, MissingUnexpectedAndDuplicateKeys) {
  const std::string data = f64_bytes({1, 2, 3, 4, 5, 6});
  expect_npy_error(npy_file(1, "{'fortran_order': False, 'shape': (2, 3)}", data),
                   {"missing key 'descr'"});
  expect_npy_error(npy_file(1, "{'descr': '<f8', 'shape': (2, 3)}", data),
                   {"missing key 'fortran_order'"});
  expect_npy_error(npy_file(1, "{'descr': '<f8', 'fortran_order': False}", data),
                   {"missing key 'shape'"});
  expect_npy_error(npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", data),
                   {"unexpected key 'x'"});
  expect_npy_error(npy_file(1, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", data),
                   {"key 'descr' twice"});
}

TEST(NpyErrors, UnsupportedDtypesAreNamed) {
  const struct {
    const char* descr;
    const char* what;
  } cases[] = {
      {"'>f8'", "big-endian"},       {"'>f4'", "big-endian"},  {"'<i4'", "integer"},
      {"'<u8'", "integer"},          {"'<c16'", "complex"},    {"'|O'", "object"},
      {"'<f2'", "float16"},          {"'<f16'", "float size"}, {"'|b1'", "boolean"},
      {"'<U3'", "string"},           {"'<M8[s]'", "date"},     {"'|V8'", "void"},
  };
  for (const auto& c : cases) {
    const std::string dict =
        std::string("{'descr': ") + c.descr + ", 'fortran_order': False, 'shape': (2, 3), }";
    const std::string descr(c.descr + 1, std::strlen(c.descr) - 2);
    expect_npy_error(npy_file(1, dict, f64_bytes({1, 2, 3, 4, 5, 6})),
                     {"unsupported dtype", "'" + descr + "'", c.what});
  }
  expect_npy_error(npy_file(1, "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (2,)}",
                            f64_bytes({1, 2})),
                   {"unsupported dtype", "structured"});
  expect_npy_error(npy_file(1, "{'descr': 8, 'fortran_order': False, 'shape': (2,)}", f64_bytes({1, 2})),
                   {"'descr' is an integer"});
}

TEST(NpyErrors, FortranOrderMustBeBoolean) {
  expect_npy_error(npy_file(1, "{'descr': '<f8', 'fortran_order': 'no', 'shape': (2,)}", f64_bytes({1, 2})),
                   {"'fortran_order' is a string", "True or False"});
  expect_npy_error(npy_file(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}", f64_bytes({1, 2})),
                   {"'fortran_order' is an integer"});
}

TEST(NpyErrors, BadShapes) {
  const std::string data = f64_bytes({1, 2, 3, 4, 5, 6});
  const auto dict = [](const std::string& shape) {
    return "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
  };
  expect_npy_error(npy_file(1, dict("[2, 3]"), data), {"'shape' is a list", "tuple"});
  expect_npy_error(npy_file(1, dict("6"), data), {"'shape' is an integer"});
  expect_npy_error(npy_file(1, dict("(6)"), data), {"'shape' is an integer"});  // not a tuple in Python
  expect_npy_error(npy_file(1, dict("(2, -3)"), data), {"'shape'", "negative"});
  expect_npy_error(npy_file(1, dict("(2, '3')"), data), {"'shape'", "a string"});
  expect_npy_error(npy_file(1, dict("()"), f64_bytes({1})), {"0-dimensional"});
  expect_npy_error(npy_file(1, dict("(1, 2, 3)"), data), {"3 dimensions", "(1, 2, 3)"});
  expect_npy_error(npy_file(1, dict("(0, 3)"), ""), {"has no data", "(0, 3)"});
  expect_npy_error(npy_file(1, dict("(3, 0)"), ""), {"has no data", "(3, 0)"});
  expect_npy_error(npy_file(1, dict("(0,)"), ""), {"has no data", "(0,)"});
}

TEST(NpyErrors, SizeOverflowIsCaughtBeforeAllocating) {
  const auto dict = [](const std::string& shape) {
    return "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
  };
  // 2^62 * 8 elements overflow; 2^61 * 8 bytes overflow; 2^32 * 2^32 overflow.
  expect_npy_error(npy_file(1, dict("(4611686018427387904, 8)"), f64_bytes({1})), {"too large", "overflow"});
  expect_npy_error(npy_file(1, dict("(2305843009213693952,)"), f64_bytes({1})), {"too large", "overflow"});
  expect_npy_error(npy_file(1, dict("(4294967296, 4294967296)"), f64_bytes({1})), {"too large"});
  // Fits in size_t but far exceeds the file: must be reported, not allocated.
  expect_npy_error(npy_file(1, dict("(100000000000, 100000)"), f64_bytes({1, 2})),
                   {"truncated .npy data", "needs 80000000000000000 bytes", "found 16"});
}

TEST(NpyErrors, TruncatedAndTrailingData) {
  const std::string full = f64_bytes({1, 2, 3, 4, 5, 6});
  expect_npy_error(npy_file(1, kDict23, full.substr(0, 40)),
                   {"truncated .npy data", "(2, 3)", "float64", "needs 48 bytes", "found 40"});
  expect_npy_error(npy_file(3, kDict23, ""), {"truncated .npy data", "needs 48 bytes", "found 0"});
  expect_npy_error(npy_file(1, kDict23, full + "xyz"),
                   {"3 unexpected bytes after the .npy data", "needs 48 bytes", "found 51"});
  expect_npy_error(npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", full),
                   {"24 unexpected bytes", "float32", "needs 24 bytes", "found 48"});
}

TEST(NpyErrors, NonFiniteValuesNameTheirPlace) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expect_npy_error(npy_file(1, kDict23, f64_bytes({1, 2, 3, 4, 5, nan})),
                   {"non-finite value nan", "row 2, column 3", "[1, 2]"});
  expect_npy_error(npy_file(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                            f64_bytes({1, 4, -inf, 5, 3, 6})),
                   {"non-finite value -inf", "row 1, column 2"});
  expect_npy_error(npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                            f32_bytes({1, 2, std::numeric_limits<float>::infinity()})),
                   {"non-finite value inf", "element 3", "[2]"});
}

TEST(NpyErrors, MissingFileAndFolder) {
  ScratchDir dir;
  const auto missing = dir / "missing.npy";
  EXPECT_TRUE(throws_error([&] { (void)read_matrix(missing); }, missing.string(),
                           {"cannot open", "No such file"}));
  EXPECT_TRUE(throws_error([&] { (void)read_npy(dir.path()); }, dir.path().string(), {"is a folder"}));
}

}  // namespace
}  // namespace kfm::io

namespace kfm::io {
namespace {

// Corrupted files must only ever produce a kfm::Error (or load), never crash,
// over-allocate or throw anything else; run under ASan/UBSan in CI.
TEST(NpyRobustness, MutatedFilesOnlyThrowKfmErrors) {
  const std::string valid = npy_file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }",
                                     f32_bytes({1, 2, 3, 4, 5, 6}));
  std::mt19937_64 rng(7);
  ScratchDir dir;
  int loaded = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::string bytes = valid;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      const std::size_t at = rng() % bytes.size();
      // Mostly corrupt the header text, where the parser lives.
      bytes[at < 8 ? at : 8 + at % 60] = static_cast<char>(rng() % 256);
    }
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    // The outcome: the loaded values, or the error message without the file name.
    const auto outcome = [&](auto&& load, const std::string& name) -> std::string {
      try {
        const LoadedMatrix m = load();
        std::ostringstream text;
        text << m.values.rows() << "x" << m.values.cols() << ":" << m.values;
        return text.str();
      } catch (const Error& error) {
        const std::string message = error.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        EXPECT_EQ(message.rfind(name + ": ", 0), 0u) << message;
        return "error" + message.substr(name.size());
      } catch (const std::exception& error) {
        ADD_FAILURE() << "trial " << trial << ": non-kfm exception " << error.what();
        return "other";
      }
    };
    const std::string in_memory = outcome([&] { return parse_npy(bytes, "fuzz.npy"); }, "fuzz.npy");
    if (in_memory.rfind("error", 0) != 0) ++loaded;
    if (trial % 8 == 0) {  // the streaming file reader must agree exactly
      // A new name each time: ext4 flushes a truncated-and-rewritten file on close.
      const auto path = dir / ("fuzz-" + std::to_string(trial) + ".npy");
      test::write_bytes(path, bytes);
      ASSERT_EQ(outcome([&] { return read_npy(path); }, path.string()), in_memory)
          << "trial " << trial;
      std::filesystem::remove(path);
    }
    if (HasFailure()) break;
  }
  EXPECT_GT(loaded, 0);  // some mutations (e.g. of padding) leave the file valid
}

}  // namespace
}  // namespace kfm::io
