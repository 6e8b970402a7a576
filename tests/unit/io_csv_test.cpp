// CSV reading and writing: exact round trips, the accepted syntax (comments,
// blank lines, CRLF, spaces), streaming of long lines and big files, and every
// malformed case with its line and column.
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "io_test_util.hpp"
#include "kfm/io.hpp"

namespace kfm::io {
namespace {

using test::ScratchDir;
using test::throws_error;

std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

// The same error from the in-memory parser and from the streaming file reader.
void expect_csv_error(const std::string& text, std::initializer_list<std::string_view> parts) {
  EXPECT_TRUE(throws_error([&] { (void)parse_csv(text, "bad.csv"); }, "bad.csv", parts));
  ScratchDir dir;
  const auto path = dir / "bad.csv";
  test::write_bytes(path, text);
  EXPECT_TRUE(throws_error([&] { (void)read_matrix(path); }, path.string(), parts));
}

LoadedMatrix load_both(const std::string& text) {
  LoadedMatrix in_memory = parse_csv(text, "good.csv");
  ScratchDir dir;
  test::write_bytes(dir / "good.csv", text);
  const LoadedMatrix from_file = read_csv(dir / "good.csv");
  EXPECT_TRUE(from_file.values == in_memory.values);
  EXPECT_EQ(in_memory.dtype, DType::f64);
  EXPECT_FALSE(in_memory.one_dimensional);
  return in_memory;
}

TEST(CsvRoundTrip, Float64ExactIncludingDenormalsHugeAndNegativeZero) {
  ScratchDir dir;
  Matrix<double> values(3, 3);
  values << 4.9406564584124654e-324, 1e300, -0.0,  //
      std::numeric_limits<double>::max(), -1e-300, 3.141592653589793,  //
      2.2250738585072014e-308, -7.5, 0.1;
  write_matrix(dir / "m.csv", values, DType::f64);
  const LoadedMatrix loaded = read_matrix(dir / "m.csv");
  ASSERT_EQ(loaded.values.rows(), 3);
  ASSERT_EQ(loaded.values.cols(), 3);
  for (Eigen::Index i = 0; i < 3; ++i)
    for (Eigen::Index j = 0; j < 3; ++j)
      EXPECT_EQ(bits(loaded.values(i, j)), bits(values(i, j))) << i << "," << j;
}

TEST(CsvRoundTrip, Float32RoundTripsToTheSameFloat) {
  ScratchDir dir;
  Matrix<double> values(2, 3);
  values << 0.1, -0.0, 1e-45, 3.4e38, 1.0 / 3.0, 16777217.0;
  write_matrix(dir / "m.csv", values, DType::f32);
  const LoadedMatrix loaded = read_matrix(dir / "m.csv");
  for (Eigen::Index i = 0; i < 2; ++i)
    for (Eigen::Index j = 0; j < 3; ++j)
      EXPECT_EQ(std::bit_cast<std::uint32_t>(static_cast<float>(loaded.values(i, j))),
                std::bit_cast<std::uint32_t>(static_cast<float>(values(i, j))))
          << i << "," << j;
}

TEST(CsvRoundTrip, RandomDoublesRoundTripBitForBit) {
  ScratchDir dir;
  std::mt19937_64 rng(20261204);
  Matrix<double> values(200, 5);
  for (Eigen::Index k = 0; k < values.size(); ++k) {
    double v = 0;
    do v = std::bit_cast<double>(rng()); while (!std::isfinite(v));
    values.data()[k] = v;
  }
  write_matrix(dir / "r.csv", values);
  const LoadedMatrix loaded = read_matrix(dir / "r.csv");
  for (Eigen::Index k = 0; k < values.size(); ++k)
    ASSERT_EQ(bits(loaded.values.data()[k]), bits(values.data()[k])) << values.data()[k];
}

TEST(CsvWriter, TextFormat) {
  ScratchDir dir;
  Matrix<double> values(2, 2);
  values << 1, 2.5, -0.0, 0.1;
  write_matrix(dir / "m.csv", values);
  EXPECT_EQ(test::read_bytes(dir / "m.csv"), "1,2.5\n-0,0.10000000000000001\n");
  write_matrix(dir / "m32.csv", values, DType::f32);
  EXPECT_EQ(test::read_bytes(dir / "m32.csv"), "1,2.5\n-0,0.100000001\n");
  Matrix<double> column(3, 1);
  column << 1e300, 5e-324, -3;
  write_matrix(dir / "v.csv", column, DType::f64, /*as_vector=*/true);
  EXPECT_EQ(test::read_bytes(dir / "v.csv"), "1.0000000000000001e+300\n4.9406564584124654e-324\n-3\n");
  EXPECT_TRUE(throws_error([&] { write_matrix(dir / "w.csv", values, DType::f64, true); },
                           (dir / "w.csv").string(), {"one column"}));
  EXPECT_FALSE(std::filesystem::exists(dir / "w.csv"));
}

TEST(CsvReader, AcceptedSyntax) {
  const LoadedMatrix m = load_both(
      "\xEF\xBB\xBF# a comment line\n"
      "\n"
      "  1.5 ,\t-2e3,+3   # trailing comment\r\n"
      "   \t \n"
      "\r\n"
      "#,,,broken, but a comment\n"
      "4,5.25e-1,   -0\r\n"
      "7,8,9");  // no final newline
  Matrix<double> expected(3, 3);
  expected << 1.5, -2000, 3, 4, 0.525, -0.0, 7, 8, 9;
  EXPECT_TRUE(m.values == expected) << m.values;
  EXPECT_TRUE(std::signbit(m.values(1, 2)));
}

TEST(CsvReader, SingleColumnAndSingleValue) {
  EXPECT_EQ(load_both("3.5\n").values(0, 0), 3.5);
  const LoadedMatrix column = load_both("1\n2\n3\n");
  EXPECT_EQ(column.values.rows(), 3);
  EXPECT_EQ(column.values.cols(), 1);
}

TEST(CsvReader, NumbersAreParsedExactly) {
  // Each decimal must give the correctly rounded double (strtod-quality).
  const LoadedMatrix m = load_both(
      "0.1,2.2250738585072011e-308,4.9406564584124654e-324,1.7976931348623157e308,"
      "9007199254740993,0.30000000000000004,1.,.5,1E2\n");
  EXPECT_EQ(bits(m.values(0, 0)), bits(0.1));
  EXPECT_EQ(bits(m.values(0, 1)), bits(2.2250738585072011e-308));
  EXPECT_EQ(bits(m.values(0, 2)), bits(std::numeric_limits<double>::denorm_min()));
  EXPECT_EQ(bits(m.values(0, 3)), bits(std::numeric_limits<double>::max()));
  EXPECT_EQ(m.values(0, 4), 9007199254740992.0);  // ties to even
  EXPECT_EQ(bits(m.values(0, 5)), bits(0.1 + 0.2));
  EXPECT_EQ(m.values(0, 6), 1.0);
  EXPECT_EQ(m.values(0, 7), 0.5);
  EXPECT_EQ(m.values(0, 8), 100.0);
}

TEST(CsvReader, FileWrittenByNumpySavetxt) {
  const LoadedMatrix m = read_matrix(std::filesystem::path(KFM_TEST_DATA_DIR) / "numpy_savetxt.csv");
  Matrix<double> expected(2, 3);
  expected << 0.1, -2.0, 3e-310, 1e300, 0.5, -0.0;
  ASSERT_EQ(m.values.rows(), 2);
  ASSERT_EQ(m.values.cols(), 3);
  for (Eigen::Index k = 0; k < 6; ++k) EXPECT_EQ(bits(m.values.data()[k]), bits(expected.data()[k])) << k;
}

TEST(CsvReader, VeryLongLineStreamsAcrossChunks) {
  // One row of 150000 values (~1.5 MB): longer than the 1 MiB read chunk.
  std::string text;
  const int cols = 150000;
  for (int j = 0; j < cols; ++j) {
    if (j > 0) text += ',';
    text += std::to_string(j);
    text += ".5";
  }
  text += "\n";
  const LoadedMatrix m = load_both(text);
  ASSERT_EQ(m.values.rows(), 1);
  ASSERT_EQ(m.values.cols(), cols);
  for (const int j : {0, 1, 77777, cols - 1}) EXPECT_EQ(m.values(0, j), j + 0.5);
}

TEST(CsvReader, ManyRowsStreamAcrossChunksWithRightLineNumbers) {
  const int rows = 60000;  // ~1.3 MB: lines straddle the 1 MiB read chunks
  const auto make_text = [&](int bad_line) {
    std::string text;
    for (int i = 1; i <= rows; ++i) {
      text += std::to_string(i);
      text += i == bad_line ? ",0.25,oops\n" : ",0.25,-1e-5\n";
    }
    return text;
  };
  const LoadedMatrix m = load_both(make_text(0));
  ASSERT_EQ(m.values.rows(), rows);
  ASSERT_EQ(m.values.cols(), 3);
  for (const int i : {0, 12345, rows - 1}) {
    EXPECT_EQ(m.values(i, 0), i + 1);
    EXPECT_EQ(m.values(i, 2), -1e-5);
  }
  // An error deep in the file (past the first chunk) still names its exact line.
  expect_csv_error(make_text(54321), {"line 54321, column 3", "\"oops\" is not a number"});
  expect_csv_error(make_text(0) + "1,2\n", {"line 60001: 2 columns, but line 1 has 3"});
}

// ---- malformed files -------------------------------------------------------

TEST(CsvErrors, EmptyFields) {
  expect_csv_error("1,2\n3,,4\n", {"line 2, column 2: empty field"});
  expect_csv_error("1,2,\n", {"line 1, column 3: empty field"});
  expect_csv_error(",1,2\n", {"line 1, column 1: empty field"});
  expect_csv_error("1,2\n3,   \t # comment\n", {"line 2, column 2: empty field"});
}

TEST(CsvErrors, NotNumbers) {
  expect_csv_error("1,2\n3,abc\n", {"line 2, column 2", "\"abc\" is not a number"});
  expect_csv_error("1.5x,2\n", {"line 1, column 1", "\"1.5x\" is not a number"});
  expect_csv_error("1 2,3\n", {"line 1, column 1", "\"1 2\" is not a number"});
  expect_csv_error("1;2\n", {"line 1, column 1", "\"1;2\" is not a number"});
  expect_csv_error("x,y\n1,2\n", {"line 1, column 1", "\"x\" is not a number"});  // header rows are not allowed
  expect_csv_error("0x10\n", {"line 1, column 1", "\"0x10\" is not a number"});
  expect_csv_error("+-1\n", {"\"+-1\" is not a number"});
  expect_csv_error("1,\"2\"\n", {"line 1, column 2", "is not a number"});
  expect_csv_error(std::string("1,2\x01\n", 5), {"line 1, column 2", "\"2\\x01\" is not a number"});
}

TEST(CsvErrors, NonFiniteValues) {
  for (const char* bad : {"nan", "NaN", "-nan", "inf", "-inf", "Infinity"}) {
    SCOPED_TRACE(bad);
    expect_csv_error(std::string("1,2\n3,") + bad + "\n",
                     {"line 2, column 2", "non-finite value", bad, "NaN and Inf are not allowed"});
  }
}

TEST(CsvErrors, OutOfRange) {
  expect_csv_error("1e400,2\n", {"line 1, column 1", "\"1e400\" is out of the range of float64"});
  expect_csv_error("1,-1e999\n", {"line 1, column 2", "out of the range"});
}

TEST(CsvErrors, RaggedRows) {
  expect_csv_error("# header comment\n\n1,2,3\n4,5\n", {"line 4: 2 columns, but line 3 has 3"});
  expect_csv_error("1,2\n3,4,5\n", {"line 2: more than 2 columns (line 1 has 2)"});
  expect_csv_error("1\n2\n3,4\n", {"line 3: more than 1 column (line 1 has 1)"});
}

TEST(CsvErrors, NoDataRows) {
  expect_csv_error("", {"the file is empty"});
  expect_csv_error("# only a comment\n\n   \n", {"no data rows", "3 lines"});
}

TEST(CsvErrors, NpyContentUnderAnotherExtension) {
  ScratchDir dir;
  Matrix<double> values(2, 2);
  values << 1, 2, 3, 4;
  write_matrix(dir / "m.npy", values);
  std::filesystem::rename(dir / "m.npy", dir / "m.NPY");
  EXPECT_TRUE(throws_error([&] { (void)read_matrix(dir / "m.NPY"); }, (dir / "m.NPY").string(),
                           {"this is a .npy file", ".npy extension"}));
}

TEST(CsvErrors, LongGarbageIsShortenedInTheMessage) {
  const std::string garbage(10000, 'z');
  try {
    (void)parse_csv("1," + garbage + "\n", "bad.csv");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_LT(std::string(error.what()).size(), 200u) << error.what();
    EXPECT_NE(std::string(error.what()).find("zzz..."), std::string::npos) << error.what();
  }
}

TEST(CsvErrors, MissingFileAndFolder) {
  ScratchDir dir;
  EXPECT_TRUE(throws_error([&] { (void)read_matrix(dir / "none.csv"); }, (dir / "none.csv").string(),
                           {"cannot open", "No such file"}));
  EXPECT_TRUE(throws_error([&] { (void)read_csv(dir.path()); }, dir.path().string(), {"is a folder"}));
}

}  // namespace
}  // namespace kfm::io

namespace kfm::io {
namespace {

// Random text from CSV-ish characters either loads or gives a one-line
// kfm::Error; a loaded matrix is always rectangular and finite.
TEST(CsvRobustness, RandomTextOnlyThrowsKfmErrors) {
  static constexpr char alphabet[] = "0123456789.,,,-+eE# \t\r\n\n\nnaifx";
  std::mt19937_64 rng(11);
  int loaded = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::string text(rng() % 40, ' ');
    for (char& c : text) c = alphabet[rng() % (sizeof alphabet - 1)];
    try {
      const LoadedMatrix m = parse_csv(text, "fuzz.csv");
      ++loaded;
      ASSERT_GT(m.values.size(), 0);
      ASSERT_TRUE(m.values.allFinite());
    } catch (const Error& error) {
      const std::string message = error.what();
      ASSERT_EQ(message.find('\n'), std::string::npos) << message;
      ASSERT_EQ(message.rfind("fuzz.csv: ", 0), 0u) << message;
    } catch (const std::exception& error) {
      FAIL() << "non-kfm exception " << error.what();
    }
  }
  EXPECT_GT(loaded, 0);
}

}  // namespace
}  // namespace kfm::io

namespace kfm::io {
namespace {

// A pipe has no size to check up front; both readers must still work.
TEST(PipeInput, CsvAndNpyCanBeReadFromAFifo) {
  ScratchDir dir;
  Matrix<double> values(2, 2);
  values << 1.5, -2, 3e-300, 4;
  write_matrix(dir / "m.npy", values);
  const std::string npy = test::read_bytes(dir / "m.npy");
  const std::string csv = "1.5,-2\n3e-300,4\n";
  for (const auto& [name, content] : {std::pair{"pipe.npy", npy}, std::pair{"pipe.csv", csv}}) {
    const auto fifo = dir / name;
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] { test::write_bytes(fifo, content); });
    LoadedMatrix loaded;
    EXPECT_NO_THROW(loaded = read_matrix(fifo)) << name;
    writer.join();
    EXPECT_TRUE(loaded.values == values) << name << "\n" << loaded.values;
  }
}

}  // namespace
}  // namespace kfm::io
