#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kfm/io.hpp"
#include "kfm/random.hpp"
#include "kfm/sampler.hpp"
#include "run_binary.hpp"

namespace kfm {
namespace {

using testing::expect_rejected;
using testing::run_kfm;
using testing::slurp;
using testing::TempDir;
using testing::with_option;

class SampleCli : public ::testing::Test {
 protected:
  void SetUp() override {
    Rng rng(1);
    support_ = rng.normal_matrix(30, 3);
    io::write_matrix(dir_ / "S.npy", support_);
  }

  std::vector<std::string> base_args(const std::string& out = "X.npy") const {
    return {"sample", "--support", dir_ / "S.npy", "--n", "40", "--steps", "20",
            "--seed", "7", "--out", dir_ / out};
  }



  TempDir dir_;
  Matrix<double> support_;
};

TEST_F(SampleCli, HelpListsTheCommand) {
  const testing::RunResult main_help = run_kfm({"--help"});
  EXPECT_EQ(main_help.status, 0);
  EXPECT_NE(main_help.out.find("sample"), std::string::npos);
  const testing::RunResult help = run_kfm({"sample", "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--solver"), std::string::npos);
}

TEST_F(SampleCli, WritesTheLibrarysFlowFromSeededNoise) {
  const testing::RunResult r = run_kfm(base_args());
  ASSERT_EQ(r.status, 0) << r.err;
  const Matrix<double> x = io::read_matrix(dir_ / "X.npy").values;
  ASSERT_EQ(x.rows(), 40);
  ASSERT_EQ(x.cols(), 3);
  // The same computation in the library: x_0 = Rng(seed).normal_matrix(n, d).
  Rng rng(7);
  SampleOptions options;
  options.steps = 20;
  options.backend = "reference";
  const Matrix<double> expected = sample_flow(support_, rng.normal_matrix(40, 3), options);
  EXPECT_LT((x - expected).cwiseAbs().maxCoeff(), 1e-9 * (1 + expected.cwiseAbs().maxCoeff()));
  EXPECT_EQ(dir_.files().size(), 2u) << "no temporary file may remain";
}

TEST_F(SampleCli, SameSeedSameFileAnyThreadCount) {
  ASSERT_EQ(run_kfm(with_option(base_args("A.npy"), "--threads", "1")).status, 0);
  ASSERT_EQ(run_kfm(with_option(base_args("B.npy"), "--threads", "2")).status, 0);
  ASSERT_EQ(run_kfm(with_option(base_args("C.npy"), "--seed", "8")).status, 0);
  EXPECT_EQ(slurp(dir_ / "A.npy"), slurp(dir_ / "B.npy"));
  EXPECT_NE(slurp(dir_ / "A.npy"), slurp(dir_ / "C.npy"));
}

TEST_F(SampleCli, HeunAndCsvOutputAndSingleSupportPointLandsOnIt) {
  Matrix<double> one(1, 2);
  one << 2.0, -1.0;
  io::write_matrix(dir_ / "one.csv", one);
  const testing::RunResult r = run_kfm({"sample", "--support", dir_ / "one.csv", "--n", "25", "--solver", "heun",
                     "--steps", "5", "--sigma-min", "0.001", "--out", dir_ / "Y.csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  const Matrix<double> y = io::read_matrix(dir_ / "Y.csv").values;
  ASSERT_EQ(y.rows(), 25);
  // End point s + sigma_min c with |c| ~ |x_0|: within a few sigma_min of s.
  EXPECT_LT((y.rowwise() - one.row(0)).cwiseAbs().maxCoeff(), 0.01);
}

TEST_F(SampleCli, RejectsBadInputCleanly) {
  expect_rejected(dir_, with_option(base_args(), "--n", "0"), "--n");
  expect_rejected(dir_, with_option(base_args(), "--n", "-3"), "--n");
  expect_rejected(dir_, with_option(base_args(), "--n", "abc"), "--n");
  expect_rejected(dir_, with_option(base_args(), "--steps", "0"), "--steps");
  expect_rejected(dir_, with_option(base_args(), "--solver", "rk4"), "rk4");
  expect_rejected(dir_, with_option(base_args(), "--seed", "-1"), "--seed");
  expect_rejected(dir_, with_option(base_args(), "--t-min", "0"), "--t-min");
  expect_rejected(dir_, with_option(base_args(), "--t-min", "1"), "--t-min");
  expect_rejected(dir_, with_option(base_args(), "--sigma-min", "0"), "--sigma-min");
  expect_rejected(dir_, with_option(base_args(), "--sigma-min", "nan"), "--sigma-min");
  expect_rejected(dir_, with_option(base_args(), "--threads", "0"), "--threads");
  expect_rejected(dir_, with_option(base_args(), "--backend", "nope"), "nope");
  expect_rejected(dir_, with_option(base_args(), "--out", dir_ / "X.txt"), "X.txt");
  expect_rejected(dir_, with_option(base_args(), "--support", dir_ / "missing.npy"), "missing.npy");
  io::write_matrix(dir_ / "M.csv", Matrix<double>::Identity(2, 2));
  expect_rejected(dir_, with_option(base_args(), "--metric", dir_ / "M.csv"), "metric");
  expect_rejected(dir_, {"sample", "--support", dir_ / "S.npy", "--out", dir_ / "X.npy"}, "--n");
  expect_rejected(dir_, {"sample", "--support", dir_ / "S.npy", "--n", "5"}, "--out");
}

}  // namespace
}  // namespace kfm
