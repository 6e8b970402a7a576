// Replays the CLI fuzzer's corpus (fuzz/corpus/cli_args_fuzzer/: command lines,
// words split at whitespace, including every input the fuzzer flagged) through
// kfm::cli::run in a private folder holding S.npy, X.csv and M.csv: each run
// succeeds (0) or fails with one line "kfm: error: ..." (2), and leaves no
// temporary file. Inputs with a '/' only go through the parser (as in the fuzzer).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "accuracy.hpp"
#include "args.hpp"
#include "cli.hpp"
#include "kfm/error.hpp"
#include "kfm/io.hpp"
#include "run_binary.hpp"

namespace kfm {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

TEST(CliFuzzCorpus, EveryCommandLineSucceedsOrFailsCleanly) {
  const fs::path folder = fs::path(__FILE__).parent_path() / ".." / ".." / "fuzz" / "corpus" /
                          "cli_args_fuzzer";
  testing::TempDir dir;
  io::write_matrix(dir / "S.npy", testing::normal_matrix(5, 2, 1));
  io::write_matrix(dir / "X.csv", testing::normal_matrix(3, 2, 2));
  io::write_matrix(dir / "M.csv", testing::random_spd(2, 3));
  const fs::path start = fs::current_path();
  int files = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    ++files;
    SCOPED_TRACE(entry.path().filename().string());
    const std::vector<std::string> words = split_words(testing::slurp(entry.path()));
    try {
      (void)cli::parse_args(words, cli::velocity_command().options, 1);
    } catch (const Error&) {
    }
    bool has_slash = false;
    for (const auto& w : words) has_slash = has_slash || w.find('/') != std::string::npos;
    if (has_slash) continue;
    std::ostringstream out, err;
    fs::current_path(dir.path());
    const int status = cli::run(words, out, err);
    fs::current_path(start);
    EXPECT_TRUE(status == 0 || status == 2) << status << ": " << err.str();
    if (status == 2) {
      EXPECT_EQ(err.str().rfind("kfm: error: ", 0), 0u) << err.str();
      EXPECT_EQ(err.str().find('\n'), err.str().size() - 1) << err.str();
    }
    for (const auto& name : dir.files())  // write_file_atomic's ".<target>.tmp-XXXXXX"
      EXPECT_FALSE(name[0] == '.' && name.size() > 11 && name.compare(name.size() - 11, 5, ".tmp-") == 0)
          << "temporary file " << name;
  }
  EXPECT_GE(files, 10);
}

}  // namespace
}  // namespace kfm
