// Concurrent callers: kfm::velocity called from 4 std::threads at once, each
// with its own thread budget (TBB arenas nested in the callers' threads), gives
// results identical to sequential calls, for every backend and precision.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "accuracy.hpp"
#include "kfm/backend.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

class ConcurrentCallers : public ::testing::TestWithParam<std::string> {};

template <class T>
void check_concurrent(const std::string& backend) {
  constexpr int kCallers = 4;
  std::vector<Matrix<T>> queries, supports;
  std::vector<VelocityOptions> options(kCallers);
  for (int c = 0; c < kCallers; ++c) {
    const Matrix<double> s = testing::normal_matrix(300 + 17 * c, 8 + c, 10 + c);
    supports.push_back(s.cast<T>());
    queries.push_back(testing::path_queries(s, 200 + 31 * c, 0.3 + 0.2 * c, 20 + c).cast<T>());
    options[c].t = 0.3 + 0.2 * c;
    options[c].backend = backend;
    options[c].want_neff = true;
    options[c].threads = c;  // 0 (all cores), 1, 2, 3
    if (c == 3) options[c].metric = Metric::mahalanobis(testing::random_spd(8 + c, 5));
  }
  std::vector<VelocityField<T>> sequential;
  for (int c = 0; c < kCallers; ++c)
    sequential.push_back(velocity<T>(queries[c], supports[c], options[c]));

  for (int round = 0; round < 3; ++round) {
    std::vector<VelocityField<T>> concurrent(kCallers);
    std::vector<std::string> errors(kCallers);
    std::vector<std::thread> threads;
    for (int c = 0; c < kCallers; ++c)
      threads.emplace_back([&, c] {
        try {
          concurrent[c] = velocity<T>(queries[c], supports[c], options[c]);
        } catch (const std::exception& e) {
          errors[c] = e.what();
        }
      });
    for (auto& t : threads) t.join();
    for (int c = 0; c < kCallers; ++c) {
      SCOPED_TRACE("caller " + std::to_string(c) + ", round " + std::to_string(round));
      EXPECT_EQ(errors[c], "");
      ASSERT_EQ(concurrent[c].u.rows(), sequential[c].u.rows());
      EXPECT_TRUE((concurrent[c].u.array() == sequential[c].u.array()).all());
      EXPECT_TRUE((concurrent[c].neff.array() == sequential[c].neff.array()).all());
    }
  }
}

TEST_P(ConcurrentCallers, IdenticalToSequentialFloat64) { check_concurrent<double>(GetParam()); }
TEST_P(ConcurrentCallers, IdenticalToSequentialFloat32) { check_concurrent<float>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(AllBackends, ConcurrentCallers, ::testing::ValuesIn(backend_names()));

}  // namespace
}  // namespace kfm
