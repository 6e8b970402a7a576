// `kfm velocity` run as a user would: files in, files out, and every kind of bad
// input rejected with one line on stderr, a status in 1..125 and no output file.
#include <gtest/gtest.h>

#include <fstream>

#include "accuracy.hpp"
#include "kfm/backend.hpp"
#include "kfm/io.hpp"
#include "kfm/velocity.hpp"
#include "run_binary.hpp"

namespace kfm {
namespace {

using testing::expect_rejected;
using testing::run_kfm;
using testing::TempDir;
using testing::with_option;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class VelocityCli : public ::testing::Test {
 protected:
  void SetUp() override {
    support_ = testing::normal_matrix(50, 3, 1);
    queries_ = testing::path_queries(support_, 20, 0.6, 2);
    io::write_matrix(dir_ / "S.npy", support_);
    io::write_matrix(dir_ / "X.csv", queries_);
  }
  std::vector<std::string> base_args() const {
    return {"velocity", "--support", dir_ / "S.npy", "--queries", dir_ / "X.csv", "--t", "0.6",
            "--out", dir_ / "U.npy"};
  }
  TempDir dir_;
  Matrix<double> support_, queries_;
};

TEST_F(VelocityCli, HelpAndVersion) {
  for (auto args : std::vector<std::vector<std::string>>{{"--help"}, {"velocity", "--help"}}) {
    const auto r = run_kfm(args);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("velocity"), std::string::npos);
    EXPECT_NE(r.out.find("usage"), std::string::npos);
  }
  const auto v = run_kfm({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("kfm ", 0), 0u);
}

TEST_F(VelocityCli, WritesTheExactVelocityAndNeff) {
  auto args = base_args();
  args.insert(args.end(), {"--neff", dir_ / "neff.csv"});
  const auto r = run_kfm(args);
  ASSERT_EQ(r.status, 0) << r.err;
  VelocityOptions o;
  o.t = 0.6;
  o.backend = "reference";
  o.want_neff = true;
  const VelocityField<double> ref = velocity<double>(queries_, support_, o);
  const io::LoadedMatrix u = io::read_matrix(dir_ / "U.npy");
  ASSERT_EQ(u.values.rows(), 20);
  ASSERT_EQ(u.values.cols(), 3);
  EXPECT_LE(testing::velocity_error(u.values, ref.u), testing::kF64Bound);
  const io::LoadedMatrix neff = io::read_matrix(dir_ / "neff.csv");
  ASSERT_EQ(neff.values.rows(), 20);
  ASSERT_EQ(neff.values.cols(), 1);
  EXPECT_LE(testing::neff_error(neff.values.col(0), ref.neff), testing::kF64Bound);
  EXPECT_EQ(dir_.files().size(), 4u) << "no temporary file may remain";
}

TEST_F(VelocityCli, Float32WithMetricMeetsTheContract) {
  const Matrix<double> metric = testing::random_spd(3, 5);
  io::write_matrix(dir_ / "M.csv", metric);
  auto args = base_args();
  args.insert(args.end(), {"--precision", "f32", "--metric", dir_ / "M.csv", "--threads", "2",
                           "--sigma-min", "0.05"});
  const auto r = run_kfm(args);
  ASSERT_EQ(r.status, 0) << r.err;
  const io::LoadedMatrix u = io::read_matrix(dir_ / "U.npy");
  EXPECT_EQ(u.dtype, io::DType::f32);
  VelocityOptions o;
  o.t = 0.6;
  o.sigma_min = 0.05;
  o.metric = Metric::mahalanobis(metric);
  o.backend = "reference";
  const VelocityField<double> ref = velocity<double>(
      queries_.cast<float>().cast<double>(), support_.cast<float>().cast<double>(), o);
  EXPECT_LE(testing::velocity_error(u.values, ref.u), testing::kF32Bound);
}

TEST_F(VelocityCli, EveryBackendIsSelectable) {
  for (const std::string& name : backend_names()) {
    const auto r = run_kfm(with_option(base_args(), "--backend", name));
    EXPECT_EQ(r.status, 0) << name << ": " << r.err;
  }
}

TEST_F(VelocityCli, RejectsMissingAndMalformedFiles) {
  expect_rejected(dir_, with_option(base_args(), "--support", dir_ / "missing.npy"), "missing.npy");
  write_text(dir_ / "garbage.npy", "this is not numpy");
  expect_rejected(dir_, with_option(base_args(), "--support", dir_ / "garbage.npy"), "garbage.npy");
  write_text(dir_ / "words.csv", "1,2,3\n4,five,6\n");
  expect_rejected(dir_, with_option(base_args(), "--queries", dir_ / "words.csv"), "words.csv");
  write_text(dir_ / "ragged.csv", "1,2,3\n4,5\n");
  expect_rejected(dir_, with_option(base_args(), "--queries", dir_ / "ragged.csv"), "ragged.csv");
  write_text(dir_ / "empty.csv", "# nothing\n");
  expect_rejected(dir_, with_option(base_args(), "--support", dir_ / "empty.csv"), "empty.csv");
}

TEST_F(VelocityCli, RejectsNonFiniteValues) {
  for (const char* bad : {"nan", "inf", "-inf"}) {
    write_text(dir_ / "bad.csv", std::string("1,2,3\n4,") + bad + ",6\n");
    expect_rejected(dir_, with_option(base_args(), "--support", dir_ / "bad.csv"), "bad.csv");
  }
  Matrix<double> poisoned = queries_;
  poisoned(3, 1) = std::numeric_limits<double>::quiet_NaN();
  // Written as raw .npy (the writer itself is allowed to store NaN).
  io::write_matrix(dir_ / "nan.npy", poisoned);
  expect_rejected(dir_, with_option(base_args(), "--queries", dir_ / "nan.npy"), "nan.npy");
}

TEST_F(VelocityCli, RejectsShapeMismatch) {
  io::write_matrix(dir_ / "X2.csv", testing::normal_matrix(4, 2, 9));
  expect_rejected(dir_, with_option(base_args(), "--queries", dir_ / "X2.csv"), "columns");
}

TEST_F(VelocityCli, RejectsTimeAndSigmaOutOfRange) {
  for (const char* t : {"0", "-0.1", "1.5"})
    expect_rejected(dir_, with_option(base_args(), "--t", t), "t must be in (0, 1]");
  for (const char* t : {"abc", "nan", "inf", "", "0.5x"})
    expect_rejected(dir_, with_option(base_args(), "--t", t), "--t");
  for (const char* s : {"0", "2", "x"})
    expect_rejected(dir_, with_option(base_args(), "--sigma-min", s), "sigma");
}

TEST_F(VelocityCli, RejectsBadMetrics) {
  io::write_matrix(dir_ / "rect.csv", testing::normal_matrix(3, 2, 1));
  expect_rejected(dir_, with_option(base_args(), "--metric", dir_ / "rect.csv"), "square");
  Matrix<double> asym = Matrix<double>::Identity(3, 3);
  asym(0, 2) = 0.5;
  io::write_matrix(dir_ / "asym.csv", asym);
  expect_rejected(dir_, with_option(base_args(), "--metric", dir_ / "asym.csv"), "symmetric");
  Matrix<double> indefinite = Matrix<double>::Identity(3, 3);
  indefinite(1, 1) = -1;
  io::write_matrix(dir_ / "indef.csv", indefinite);
  expect_rejected(dir_, with_option(base_args(), "--metric", dir_ / "indef.csv"), "positive definite");
  io::write_matrix(dir_ / "small.csv", Matrix<double>::Identity(2, 2));
  expect_rejected(dir_, with_option(base_args(), "--metric", dir_ / "small.csv"), "metric");
}

TEST_F(VelocityCli, RejectsBadFlagsAndOptions) {
  auto unknown = base_args();
  unknown.push_back("--frobnicate");
  expect_rejected(dir_, unknown, "--frobnicate");
  expect_rejected(dir_, with_option(base_args(), "--backend", "warp-drive"), "warp-drive");
  expect_rejected(dir_, with_option(base_args(), "--precision", "f16"), "precision");
  for (const char* n : {"0", "-2", "two"}) expect_rejected(dir_, with_option(base_args(), "--threads", n), "threads");
  auto missing_t = base_args();
  missing_t.erase(missing_t.begin() + 5, missing_t.begin() + 7);
  expect_rejected(dir_, missing_t, "--t");
  auto dangling = base_args();
  dangling.push_back("--neff");
  expect_rejected(dir_, dangling, "--neff");
  expect_rejected(dir_, {"teleport"}, "teleport");
  expect_rejected(dir_, {}, "command");
}

TEST_F(VelocityCli, RejectsUnwritableOutputs) {
  expect_rejected(dir_, with_option(base_args(), "--out", dir_ / "no/such/folder/U.npy"), "folder");
  expect_rejected(dir_, with_option(base_args(), "--out", dir_ / "U.txt"), "U.txt");
  auto args = base_args();
  args.insert(args.end(), {"--neff", dir_ / "nowhere/neff.npy"});
  expect_rejected(dir_, args, "nowhere");
}

}  // namespace
}  // namespace kfm
