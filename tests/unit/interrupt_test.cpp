// Interrupts: the SIGINT/SIGTERM handlers set a flag (and do not kill), the
// flag makes kfm::velocity stop with kfm::Interrupted at its next check, and
// nothing changes for callers that never see a signal.
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "accuracy.hpp"
#include "kfm/error.hpp"
#include "kfm/interrupt.hpp"
#include "kfm/velocity.hpp"

namespace kfm {
namespace {

class Interrupt : public ::testing::Test {
 protected:
  void TearDown() override { clear_interrupt(); }
};

TEST_F(Interrupt, HandlersTurnSignalsIntoTheFlag) {
  for (const int sig : {SIGINT, SIGTERM}) {
    install_interrupt_handlers();
    ASSERT_FALSE(interrupted());
    ASSERT_EQ(std::raise(sig), 0);  // would terminate the test without the handler
    EXPECT_TRUE(interrupted());
    EXPECT_TRUE(interrupt_flag().load());
    EXPECT_EQ(interrupt_signal(), sig);
    try {
      throw_if_interrupted();
      ADD_FAILURE() << "no exception";
    } catch (const Interrupted& e) {
      EXPECT_EQ(e.signal(), sig);
      EXPECT_EQ(std::string(e.what()), "interrupted by signal " + std::to_string(sig) +
                                           (sig == SIGINT ? " (SIGINT)" : " (SIGTERM)"));
    }
    clear_interrupt();
    EXPECT_FALSE(interrupted());
    EXPECT_NO_THROW(throw_if_interrupted());
  }
  // The handler is one-shot (a second Ctrl-C kills); restore the default for other tests.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

TEST_F(Interrupt, VelocityStopsWithInterruptedWhenTheFlagIsSet) {
  const Matrix<double> s = testing::normal_matrix(2000, 40, 1);
  VelocityOptions o;
  o.backend = "reference";
  for (const Eigen::Index n : {Eigen::Index{3}, Eigen::Index{3000}}) {  // one block, many blocks
    const Matrix<double> x = testing::normal_matrix(n, 40, 2);
    request_interrupt(SIGTERM);
    EXPECT_THROW((void)velocity<double>(x, s, o), Interrupted);
    EXPECT_THROW((void)velocity<float>(x.cast<float>(), s.cast<float>(), o), Interrupted);
    clear_interrupt();
  }
  const Matrix<double> x = testing::normal_matrix(5, 40, 3);
  EXPECT_NO_THROW((void)velocity<double>(x, s, o));
}

TEST_F(Interrupt, InterruptedIsAKfmError) {
  request_interrupt(SIGINT);
  EXPECT_THROW(throw_if_interrupted(), Error);
}

}  // namespace
}  // namespace kfm
