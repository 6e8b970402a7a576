// Atomic writes and output-path checks: the target appears complete or not at
// all, and no temporary file is ever left behind.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "io_test_util.hpp"
#include "kfm/io.hpp"

namespace kfm::io {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::throws_error;

TEST(AtomicFile, WritesTheContentsAndLeavesNothingElse) {
  ScratchDir dir;
  write_file_atomic(dir / "out.json", "{\"a\": 1}\n");
  EXPECT_EQ(test::read_bytes(dir / "out.json"), "{\"a\": 1}\n");
  EXPECT_EQ(dir.listing(), "out.json;");
}

TEST(AtomicFile, ReplacesAnExistingFileCompletely) {
  ScratchDir dir;
  test::write_bytes(dir / "out.csv", std::string(10000, 'x'));
  write_file_atomic(dir / "out.csv", "short\n");
  EXPECT_EQ(test::read_bytes(dir / "out.csv"), "short\n");
  EXPECT_EQ(dir.listing(), "out.csv;");
}

TEST(AtomicFile, WritesEmptyAndLargeContents) {
  ScratchDir dir;
  write_file_atomic(dir / "empty.csv", "");
  EXPECT_EQ(fs::file_size(dir / "empty.csv"), 0u);
  std::string big(3u << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 % 251);
  write_file_atomic(dir / "big.npy", big);
  EXPECT_TRUE(test::read_bytes(dir / "big.npy") == big);
}

TEST(AtomicFile, FileGetsTheUsualPermissionsNotTempFilePermissions) {
  ScratchDir dir;
  const mode_t old_mask = ::umask(022);
  write_file_atomic(dir / "out.csv", "1\n");
  ::umask(old_mask);
  const auto perms = fs::status(dir / "out.csv").permissions();
  EXPECT_EQ(perms, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                       fs::perms::others_read);
}

TEST(AtomicFile, WorksWithARelativeNameInTheCurrentFolder) {
  ScratchDir dir;
  struct RestoreCwd {
    fs::path saved = fs::current_path();
    ~RestoreCwd() { fs::current_path(saved); }
  } restore;
  fs::current_path(dir.path());
  EXPECT_NO_THROW(check_output_path("here.csv"));
  write_file_atomic("here.csv", "1\n");
  EXPECT_EQ(test::read_bytes("here.csv"), "1\n");
  EXPECT_EQ(dir.listing(), "here.csv;");
}

TEST(AtomicFile, MissingFolderFailsCleanly) {
  ScratchDir dir;
  const fs::path target = dir / "no-such-folder" / "out.npy";
  EXPECT_TRUE(throws_error([&] { write_file_atomic(target, "data"); }, target.string(),
                           {"cannot create a file in folder", "no-such-folder",
                            "No such file or directory"}));
  EXPECT_EQ(dir.listing(), "");
}

// Root may write into a chmod-ed folder, so use folders no one can write:
// a "folder" that is really a regular file, and /proc.
TEST(AtomicFile, UnwritableFolderFailsCleanlyEvenForRoot) {
  ScratchDir dir;
  test::write_bytes(dir / "plain-file", "x");
  const fs::path target = dir / "plain-file" / "out.npy";
  EXPECT_TRUE(throws_error([&] { write_file_atomic(target, "data"); }, target.string(),
                           {"cannot create a file", "Not a directory"}));
  EXPECT_EQ(dir.listing(), "plain-file;");

  const fs::path proc_target = "/proc/kfm-atomic-file-test.npy";
  EXPECT_TRUE(throws_error([&] { write_file_atomic(proc_target, "data"); }, proc_target.string(),
                           {"cannot create a file in folder '/proc'"}));
  EXPECT_FALSE(fs::exists(proc_target));
}

TEST(AtomicFile, ReadOnlyFolderWhenPermissionsApply) {
  ScratchDir dir;
  const fs::path folder = dir / "read-only";
  fs::create_directory(folder);
  fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(folder.c_str(), W_OK) == 0) {
    fs::permissions(folder, fs::perms::owner_all);
    GTEST_SKIP() << "running as root: chmod does not stop writes (see UnwritableFolder test)";
  }
  const fs::path target = folder / "out.csv";
  EXPECT_TRUE(throws_error([&] { write_file_atomic(target, "1\n"); }, target.string(),
                           {"Permission denied"}));
  EXPECT_TRUE(throws_error([&] { check_output_path(target); }, target.string(), {"not writable"}));
  fs::permissions(folder, fs::perms::owner_all);
  EXPECT_TRUE(fs::is_empty(folder));
}

TEST(AtomicFile, TargetThatIsAFolderIsLeftAlone) {
  ScratchDir dir;
  fs::create_directory(dir / "taken.npy");
  EXPECT_TRUE(throws_error([&] { write_file_atomic(dir / "taken.npy", "data"); },
                           (dir / "taken.npy").string(), {"cannot replace the file", "directory"}));
  EXPECT_TRUE(fs::is_directory(dir / "taken.npy"));
  EXPECT_EQ(dir.listing(), "taken.npy;");
}

TEST(AtomicFile, PathWithoutAFileName) {
  ScratchDir dir;
  const fs::path target = dir.path() / "";
  EXPECT_TRUE(throws_error([&] { write_file_atomic(target, "x"); }, target.string(), {"not a file name"}));
  EXPECT_TRUE(throws_error([&] { check_output_path(target); }, target.string(), {"not a file name"}));
}

TEST(WriteMatrix, UnknownExtensionIsRejectedAndNothingIsWritten) {
  ScratchDir dir;
  const Matrix<double> values = Matrix<double>::Ones(2, 2);
  for (const char* name : {"out.txt", "out", "out.NPY", "out.npy.bak"}) {
    EXPECT_TRUE(throws_error([&] { write_matrix(dir / name, values); }, (dir / name).string(),
                             {"unsupported output extension", ".npy or .csv"}));
  }
  EXPECT_EQ(dir.listing(), "");
}

TEST(WriteMatrix, FailureLeavesNoFile) {
  ScratchDir dir;
  const fs::path target = dir / "missing" / "u.npy";
  EXPECT_TRUE(throws_error([&] { write_matrix(target, Matrix<double>::Ones(2, 2)); }, target.string(),
                           {"No such file or directory"}));
  EXPECT_EQ(dir.listing(), "");
}

TEST(CheckOutputPath, AcceptsGoodTargets) {
  ScratchDir dir;
  EXPECT_NO_THROW(check_output_path(dir / "u.npy"));
  EXPECT_NO_THROW(check_output_path(dir / "u.csv"));
  EXPECT_NO_THROW(check_output_path(dir / "results.json", {".json"}));
  test::write_bytes(dir / "existing.npy", "old");
  EXPECT_NO_THROW(check_output_path(dir / "existing.npy"));  // will be replaced
  EXPECT_EQ(dir.listing(), "existing.npy;");  // checking creates nothing
}

TEST(CheckOutputPath, RejectsBadTargets) {
  ScratchDir dir;
  EXPECT_TRUE(throws_error([&] { check_output_path(dir / "u.txt"); }, (dir / "u.txt").string(),
                           {"unsupported output extension '.txt'", "expected .npy or .csv"}));
  EXPECT_TRUE(throws_error([&] { check_output_path(dir / "u"); }, (dir / "u").string(),
                           {"unsupported output extension ''"}));
  EXPECT_TRUE(throws_error([&] { check_output_path(dir / "u.npy", {".json"}); },
                           (dir / "u.npy").string(), {"'.npy'", "expected .json"}));
  const fs::path missing = dir / "nope" / "u.npy";
  EXPECT_TRUE(throws_error([&] { check_output_path(missing); }, missing.string(),
                           {"folder '" + (dir / "nope").string() + "' does not exist"}));
  test::write_bytes(dir / "file", "x");
  const fs::path under_file = dir / "file" / "u.npy";
  EXPECT_TRUE(throws_error([&] { check_output_path(under_file); }, under_file.string(),
                           {"is not a folder"}));
  fs::create_directory(dir / "taken.csv");
  EXPECT_TRUE(throws_error([&] { check_output_path(dir / "taken.csv"); }, (dir / "taken.csv").string(),
                           {"is a folder"}));
}

}  // namespace
}  // namespace kfm::io
