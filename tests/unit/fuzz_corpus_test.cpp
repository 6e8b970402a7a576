// Replays every file of the fuzzers' seed corpora (fuzz/corpus/<target>/: valid
// files, known-bad files and every crasher the fuzzers ever found) through the
// readers: each is either read, finite and non-empty, or rejected with a
// one-line kfm::Error; nothing else may escape. A new crasher is kept as a
// regression test by copying it into the corpus folder of its fuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "kfm/error.hpp"
#include "kfm/io.hpp"
#include "run_binary.hpp"

namespace kfm {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(KFM_TEST_DATA_DIR) / ".." / ".." / "fuzz" / "corpus";

template <class Parse>
void replay(const std::string& target, Parse parse) {
  int files = 0, accepted = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus / target)) {
    ++files;
    const std::string bytes = testing::slurp(entry.path());
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    try {
      const io::LoadedMatrix m = parse(bytes, name);
      EXPECT_GT(m.values.size(), 0);
      EXPECT_TRUE(m.values.allFinite());
      EXPECT_NE(name.rfind("bad_", 0), 0u) << "a known-bad file was accepted";
      ++accepted;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
  EXPECT_GE(files, 10);
  EXPECT_GE(accepted, 5);
}

TEST(FuzzCorpus, NpyReaderRejectsOnlyWithKfmError) { replay("npy_reader_fuzzer", io::parse_npy); }
TEST(FuzzCorpus, CsvReaderRejectsOnlyWithKfmError) { replay("csv_reader_fuzzer", io::parse_csv); }

}  // namespace
}  // namespace kfm
