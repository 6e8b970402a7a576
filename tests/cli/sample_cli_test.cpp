// `kfm sample` run as a user would: a support file in, generated points out; every
// kind of bad input rejected with one line on stderr, status 2 and no output file.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kfm/io.hpp"
#include "kfm/random.hpp"
#include "kfm/sampler.hpp"

namespace kfm {
namespace {

namespace fs = std::filesystem;

struct RunResult {
  int status = -1;
  std::string out, err;
};

std::string quote(const std::string& word) {
  std::string q(1, '\'');
  for (char c : word) {
    if (c == '\'')
      q.append("'\\''");  // close, escaped quote, reopen
    else
      q.push_back(c);
  }
  q.push_back('\'');
  return q;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SampleCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kfm_sample_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "work");
    Rng rng(1);
    support_ = rng.normal_matrix(30, 3);
    io::write_matrix(work() / "S.npy", support_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path work() const { return dir_ / "work"; }

  RunResult run(const std::vector<std::string>& args) const {
    std::string command = quote(KFM_BINARY);
    for (const auto& a : args) command.append(" ").append(quote(a));
    command.append(" >").append(quote(dir_ / "stdout"));
    command.append(" 2>").append(quote(dir_ / "stderr"));
    RunResult r;
    const int raw = std::system(command.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(dir_ / "stdout");
    r.err = slurp(dir_ / "stderr");
    return r;
  }

  std::vector<std::string> base_args(const std::string& out = "X.npy") const {
    return {"sample", "--support", work() / "S.npy", "--n", "40", "--steps", "20",
            "--seed", "7", "--out", work() / out};
  }

  size_t file_count() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(work())) ++n;
    return n;
  }

  void expect_rejected(std::vector<std::string> args, const std::string& must_mention) {
    const size_t before = file_count();
    const RunResult r = run(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err.rfind("kfm: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(must_mention), std::string::npos)
        << "stderr should mention '" << must_mention << "': " << r.err;
    EXPECT_EQ(file_count(), before) << "a file was left behind";
  }

  static std::vector<std::string> with(std::vector<std::string> args, const std::string& flag,
                                       const std::string& value) {
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == flag) {
        args[i + 1] = value;
        return args;
      }
    args.push_back(flag);
    args.push_back(value);
    return args;
  }

  fs::path dir_;
  Matrix<double> support_;
};

TEST_F(SampleCli, HelpListsTheCommand) {
  const RunResult main_help = run({"--help"});
  EXPECT_EQ(main_help.status, 0);
  EXPECT_NE(main_help.out.find("sample"), std::string::npos);
  const RunResult help = run({"sample", "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--solver"), std::string::npos);
}

TEST_F(SampleCli, WritesTheLibrarysFlowFromSeededNoise) {
  const RunResult r = run(base_args());
  ASSERT_EQ(r.status, 0) << r.err;
  const Matrix<double> x = io::read_matrix(work() / "X.npy").values;
  ASSERT_EQ(x.rows(), 40);
  ASSERT_EQ(x.cols(), 3);
  // The same computation in the library: x_0 = Rng(seed).normal_matrix(n, d).
  Rng rng(7);
  SampleOptions options;
  options.steps = 20;
  options.backend = "reference";
  const Matrix<double> expected = sample_flow(support_, rng.normal_matrix(40, 3), options);
  EXPECT_LT((x - expected).cwiseAbs().maxCoeff(), 1e-9 * (1 + expected.cwiseAbs().maxCoeff()));
  EXPECT_EQ(file_count(), 2u) << "no temporary file may remain";
}

TEST_F(SampleCli, SameSeedSameFileAnyThreadCount) {
  ASSERT_EQ(run(with(base_args("A.npy"), "--threads", "1")).status, 0);
  ASSERT_EQ(run(with(base_args("B.npy"), "--threads", "2")).status, 0);
  ASSERT_EQ(run(with(base_args("C.npy"), "--seed", "8")).status, 0);
  EXPECT_EQ(slurp(work() / "A.npy"), slurp(work() / "B.npy"));
  EXPECT_NE(slurp(work() / "A.npy"), slurp(work() / "C.npy"));
}

TEST_F(SampleCli, HeunAndCsvOutputAndSingleSupportPointLandsOnIt) {
  Matrix<double> one(1, 2);
  one << 2.0, -1.0;
  io::write_matrix(work() / "one.csv", one);
  const RunResult r = run({"sample", "--support", work() / "one.csv", "--n", "25", "--solver", "heun",
                     "--steps", "5", "--sigma-min", "0.001", "--out", work() / "Y.csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  const Matrix<double> y = io::read_matrix(work() / "Y.csv").values;
  ASSERT_EQ(y.rows(), 25);
  // End point s + sigma_min c with |c| ~ |x_0|: within a few sigma_min of s.
  EXPECT_LT((y.rowwise() - one.row(0)).cwiseAbs().maxCoeff(), 0.01);
}

TEST_F(SampleCli, RejectsBadInputCleanly) {
  expect_rejected(with(base_args(), "--n", "0"), "--n");
  expect_rejected(with(base_args(), "--n", "-3"), "--n");
  expect_rejected(with(base_args(), "--n", "abc"), "--n");
  expect_rejected(with(base_args(), "--steps", "0"), "--steps");
  expect_rejected(with(base_args(), "--solver", "rk4"), "rk4");
  expect_rejected(with(base_args(), "--seed", "-1"), "--seed");
  expect_rejected(with(base_args(), "--t-min", "0"), "--t-min");
  expect_rejected(with(base_args(), "--t-min", "1"), "--t-min");
  expect_rejected(with(base_args(), "--sigma-min", "0"), "--sigma-min");
  expect_rejected(with(base_args(), "--sigma-min", "nan"), "--sigma-min");
  expect_rejected(with(base_args(), "--threads", "0"), "--threads");
  expect_rejected(with(base_args(), "--backend", "nope"), "nope");
  expect_rejected(with(base_args(), "--out", work() / "X.txt"), "X.txt");
  expect_rejected(with(base_args(), "--support", work() / "missing.npy"), "missing.npy");
  io::write_matrix(work() / "M.csv", Matrix<double>::Identity(2, 2));
  expect_rejected(with(base_args(), "--metric", work() / "M.csv"), "metric");
  expect_rejected({"sample", "--support", work() / "S.npy", "--out", work() / "X.npy"}, "--n");
  expect_rejected({"sample", "--support", work() / "S.npy", "--n", "5"}, "--out");
}

}  // namespace
}  // namespace kfm
