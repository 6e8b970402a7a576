// Hostile sizes: headers that claim huge shapes, products that overflow size_t,
// requests beyond the memory limit. Each gives a clear kfm::Error before
// anything is allocated (never std::bad_alloc, never an out-of-memory kill).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <new>
#include <string>

#include "accuracy.hpp"
#include "kfm/error.hpp"
#include "kfm/io.hpp"
#include "kfm/limits.hpp"
#include "kfm/velocity.hpp"
#include "run_binary.hpp"
#include "scoped_env.hpp"

namespace kfm {
namespace {

using testing::ScopedEnv;

// A version 1.0 .npy file with the given header dict and data bytes.
std::string npy_file(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

// Expects a kfm::Error whose message mentions `needle`; any other exception fails.
template <class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  } catch (const std::bad_alloc&) {
    ADD_FAILURE() << "std::bad_alloc escaped";
  }
}

TEST(Limits, MemoryLimitIsThreeQuartersOfPhysicalMemory) {
  const std::size_t physical = physical_memory_bytes();
  ASSERT_GT(physical, std::size_t{1} << 26);
  EXPECT_EQ(memory_limit_bytes(), physical / 4 * 3);
}

TEST(Limits, EnvironmentOverridesTheLimit) {
  {
    ScopedEnv env("KFM_MEMORY_LIMIT_MB", "5");
    EXPECT_EQ(memory_limit_bytes(), std::size_t{5} << 20);
    EXPECT_NO_THROW(require_memory(std::size_t{5} << 20, "x"));
    expect_error([] { require_memory((std::size_t{5} << 20) + 1, "the thing"); }, "the thing needs");
  }
  for (const char* bad : {"0", "-1", "12abc", "", "99999999999999999999"}) {
    ScopedEnv env("KFM_MEMORY_LIMIT_MB", bad);
    if (*bad) expect_error([] { (void)memory_limit_bytes(); }, "KFM_MEMORY_LIMIT_MB");
  }
}

TEST(Limits, ProductsThatOverflowSizeTAreErrors) {
  const std::size_t big = std::size_t{1} << 33;
  EXPECT_EQ(checked_product({big, 3}, "x"), big * 3);
  expect_error([&] { (void)checked_product({big, big}, "a 8589934592 x 8589934592 matrix"); },
               "overflows");
  expect_error([&] { (void)require_elements({big, big / 4, 8}, 8, "n*d"); }, "overflows");
  // Fits size_t but not memory: 2^40 doubles.
  expect_error([] { (void)require_elements({std::size_t{1} << 20, std::size_t{1} << 20}, 8, "S"); },
               "S needs 8.0 TiB of memory");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
}

TEST(HostileNpy, HeaderClaimingAHugeShapeIsRejectedBeforeAllocating) {
  // 2^62 x 4 doubles claimed, 16 bytes present: n*d*8 overflows size_t.
  expect_error([] {
    io::parse_npy(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': "
                           "(4611686018427387904, 4), }", std::string(16, '\0')), "huge.npy");
  }, "too large");
  // 1e8 x 1000 float32 claimed (400 GB), 8 bytes present: the file size gives it away.
  expect_error([] {
    io::parse_npy(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 1000), }",
                           std::string(8, '\0')), "claim.npy");
  }, "truncated");
  // Largest dimension values, also through the streaming reader.
  testing::TempDir dir;
  const std::string path = dir / "max.npy";
  io::write_file_atomic(path, npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': "
                                       "(18446744073709551615, 18446744073709551615), }", ""));
  expect_error([&] { io::read_npy(path); }, "too large");
}

TEST(HostileNpy, ValidFileBeyondTheMemoryLimitIsRejected) {
  // 256 x 1024 float32 = 1 MiB of data, 2 MiB as float64; the limit is 1 MiB.
  const std::string file = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (256, 1024), }",
                                    std::string(256 * 1024 * 4, '\0'));
  ScopedEnv env("KFM_MEMORY_LIMIT_MB", "1");
  expect_error([&] { io::parse_npy(file, "big.npy"); }, "big.npy: a 256 x 1024 matrix needs 2.0 MiB");
}

TEST(HostileCsv, FileBeyondTheMemoryLimitIsRejectedWhileParsing) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "1,2\n";  // 200000 values = 1.6 MB (x2 when copied)
  {
    ScopedEnv env("KFM_MEMORY_LIMIT_MB", "1");
    expect_error([&] { io::parse_csv(text, "big.csv"); }, "big.csv: line ");
  }
  EXPECT_EQ(io::parse_csv(text, "big.csv").values.rows(), 100000);
}

TEST(HostileVelocity, RequestBeyondTheMemoryLimitIsRejectedBeforeComputing) {
  const Matrix<double> s = testing::normal_matrix(10, 64, 1);
  const Matrix<double> x = testing::normal_matrix(2048, 64, 2);  // 1 MiB; the call needs 2 MiB more
  VelocityOptions o;
  o.backend = "reference";
  {
    ScopedEnv env("KFM_MEMORY_LIMIT_MB", "1");
    expect_error([&] { (void)velocity<double>(x, s, o); },
                 "the velocity of 2048 queries against 10 support points in 64 dimensions needs");
  }
  EXPECT_NO_THROW((void)velocity<double>(x, s, o));
}

}  // namespace
}  // namespace kfm

namespace kfm {
namespace {

// Found by the CLI fuzzer: a NUL byte in a file name made the system cut the
// name short, so a different file was created (or read) than the one named.
TEST(FileNames, NulByteInANameIsRejected) {
  testing::TempDir dir;
  const std::string bad = dir / std::string("U\0x.npy", 7);
  expect_error([&] { io::check_output_path(bad); }, "NUL byte");
  expect_error([&] { io::write_matrix(bad, Matrix<double>::Ones(2, 2)); }, "NUL byte");
  EXPECT_TRUE(dir.files().empty());
  io::write_matrix(dir / "S.npy", Matrix<double>::Ones(2, 2));
  expect_error([&] { io::read_matrix(dir / std::string("S.npy\0.csv", 10)); }, "NUL byte");
}

}  // namespace
}  // namespace kfm

namespace kfm {
namespace {

// A device or pipe has no file size to check: an endless stream is cut off at
// the memory limit instead of growing until the machine runs out of memory.
TEST(EndlessInput, DevZeroIsRejectedAtTheLimit) {
  ScopedEnv env("KFM_MEMORY_LIMIT_MB", "16");
  expect_error([] { io::read_csv("/dev/zero"); }, "a line longer than 4.0 MiB");
  expect_error([] { io::read_npy("/dev/zero"); }, "more than 8.0 MiB of input");
}

}  // namespace
}  // namespace kfm
