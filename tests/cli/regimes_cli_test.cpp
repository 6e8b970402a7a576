// `kfm regimes` as a user runs it: bad arguments fail with one line and status
// 2 before any work; --quick collapse writes a valid kfm.regimes/1 document.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kfm/generators.hpp"
#include "kfm/io.hpp"
#include "kfm/random.hpp"
#include "run_binary.hpp"

namespace kfm {
namespace {

using testing::run_kfm;
using testing::TempDir;

void expect_one_line_error(const std::vector<std::string>& args) {
  const auto r = run_kfm(args);
  EXPECT_EQ(r.status, 2) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.rfind("kfm: error: ", 0), 0u) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(RegimesCli, BadArgumentsExitTwoWithOneLine) {
  TempDir dir;
  const std::string out = dir / "r.json";
  expect_one_line_error({"regimes", "--out", out});                          // no experiment
  expect_one_line_error({"regimes", "bogus", "--out", out});                 // unknown experiment
  expect_one_line_error({"regimes", "collapse"});                            // no --out
  expect_one_line_error({"regimes", "collapse", "mismatch", "--out", out});  // two words
  expect_one_line_error({"regimes", "collapse", "--seed", "-1", "--out", out});
  expect_one_line_error({"regimes", "collapse", "--seed", "x", "--out", out});
  expect_one_line_error({"regimes", "collapse", "--threads", "0", "--out", out});
  expect_one_line_error({"regimes", "collapse", "--out", dir / "r.txt"});  // not .json
  expect_one_line_error({"regimes", "collapse", "--out", dir / "no/such/dir/r.json"});
  expect_one_line_error({"regimes", "collapse", "--data", dir / "missing.npy", "--out", out});
  expect_one_line_error({"regimes", "collapse", "--backend", "nope", "--out", out});
  expect_one_line_error({"regimes", "collapse", "--quick", "--bogus", "--out", out});
  EXPECT_TRUE(dir.files().empty());
}

TEST(RegimesCli, QuickCollapseWritesValidJson) {
  TempDir dir;
  const std::string out = dir / "collapse.json";
  const auto r = run_kfm({"regimes", "collapse", "--quick", "--threads", "2", "--out", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("collapse gmm d=16"), std::string::npos) << r.err;  // progress lines
  const nlohmann::json doc = nlohmann::json::parse(testing::slurp(out));
  EXPECT_EQ(doc.at("schema"), "kfm.regimes/1");
  EXPECT_EQ(doc.at("request").at("quick"), true);
  EXPECT_FALSE(doc.contains("mismatch"));
  const auto& results = doc.at("collapse").at("results");
  ASSERT_EQ(results.size(), 14u);  // gmm and shells x d in {2..128}
  bool has_056 = false;
  for (const auto& row : results[0].at("by_t"))
    has_056 |= std::abs(row.at("t").get<double>() - 0.56) < 1e-12;
  EXPECT_TRUE(has_056);
  EXPECT_GE(results[0].at("by_t").size(), 20u);
}

TEST(RegimesCli, DataAloneGivesAVerdict) {
  TempDir dir;
  Rng rng(5);
  io::write_matrix(dir / "points.csv", make_gmm(4, GmmParams{}, rng).sample(80, rng));
  const std::string out = dir / "data.json";
  const auto r =
      run_kfm({"regimes", "--data", dir / "points.csv", "--quick", "--quiet", "--out", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const nlohmann::json doc = nlohmann::json::parse(testing::slurp(out));
  EXPECT_EQ(doc.at("data").at("parameters").at("points"), 80);
  EXPECT_FALSE(doc.at("data").at("verdict").at("text").get<std::string>().empty());
}

}  // namespace
}  // namespace kfm
