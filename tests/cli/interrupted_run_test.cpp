// Interrupted and failed runs of the kfm binary: SIGINT/SIGTERM during a long
// `kfm velocity`, `kfm sample` or `kfm regimes` stops it promptly with status 128 + signal and leaves neither
// the output nor a temporary file; a write that fails after the computation
// is reported in one line and leaves no partial file.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "accuracy.hpp"
#include "kfm/io.hpp"
#include "run_binary.hpp"

namespace kfm {
namespace {

using testing::TempDir;

struct SignalledRun {
  int status = -1;          // exit status, or 128 + signal if killed by it
  double seconds_after_signal = 0;
  std::string err;
};

// Starts `kfm args...`, sends `sig` after `delay_seconds`, waits (at most 60 s).
SignalledRun run_and_signal(const std::vector<std::string>& args, int sig, double delay_seconds,
                            const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<std::string> words{KFM_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  SignalledRun result;
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, KFM_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return result;
  std::this_thread::sleep_for(std::chrono::duration<double>(delay_seconds));
  ::kill(pid, sig);
  const auto signalled = std::chrono::steady_clock::now();
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() - signalled > std::chrono::seconds(60)) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wstatus, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  result.seconds_after_signal =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  result.err = testing::slurp(err_path);
  return result;
}

class InterruptedRun : public ::testing::Test {
 protected:
  void SetUp() override {
    // Tens of seconds of work for the reference backend: the signal lands mid-computation.
    io::write_matrix(dir_ / "S.npy", testing::normal_matrix(20000, 32, 1));
    io::write_matrix(dir_ / "X.npy", testing::normal_matrix(20000, 32, 2));
  }
  std::vector<std::string> args(const std::string& out) const {
    return {"velocity", "--support", dir_ / "S.npy", "--queries", dir_ / "X.npy", "--t", "0.5",
            "--backend", "reference", "--out", dir_ / out, "--neff", dir_ / "neff.npy"};
  }
  TempDir dir_;
  TempDir logs_;
};

TEST_F(InterruptedRun, SigintStopsPromptlyAndLeavesNoFile) {
  const SignalledRun r = run_and_signal(args("U.npy"), SIGINT, 0.3, logs_ / "err");
  EXPECT_EQ(r.status, 130) << r.err;
  EXPECT_EQ(r.err, "kfm: interrupted by signal 2 (SIGINT); no output was written\n");
  EXPECT_LT(r.seconds_after_signal, 10.0);
  EXPECT_EQ(dir_.files().size(), 2u) << "only the inputs may remain";
}

TEST_F(InterruptedRun, SigtermStopsPromptlyAndLeavesNoFile) {
  const SignalledRun r = run_and_signal(args("U.csv"), SIGTERM, 0.3, logs_ / "err");
  EXPECT_EQ(r.status, 143) << r.err;
  EXPECT_NE(r.err.find("interrupted by signal 15 (SIGTERM)"), std::string::npos) << r.err;
  EXPECT_LT(r.seconds_after_signal, 10.0);
  EXPECT_EQ(dir_.files().size(), 2u) << "only the inputs may remain";
}

TEST_F(InterruptedRun, SampleStopsBetweenStepsAndLeavesNoFile) {
  const SignalledRun r = run_and_signal({"sample", "--support", dir_ / "S.npy", "--n", "20000",
                                         "--steps", "1000", "--backend", "reference", "--out",
                                         dir_ / "samples.npy"},
                                        SIGINT, 0.3, logs_ / "err");
  EXPECT_EQ(r.status, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted by signal 2 (SIGINT)"), std::string::npos) << r.err;
  EXPECT_LT(r.seconds_after_signal, 10.0);
  EXPECT_EQ(dir_.files().size(), 2u) << "only the inputs may remain";
}

TEST_F(InterruptedRun, RegimesStopsAndLeavesNoJson) {
  const SignalledRun r =
      run_and_signal({"regimes", "all", "--out", dir_ / "regimes.json"}, SIGTERM, 0.5, logs_ / "err");
  EXPECT_EQ(r.status, 143) << r.err;
  EXPECT_NE(r.err.find("interrupted by signal 15 (SIGTERM)"), std::string::npos) << r.err;
  EXPECT_LT(r.seconds_after_signal, 10.0);
  EXPECT_EQ(dir_.files().size(), 2u) << "only the inputs may remain";
}

class FailedWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    io::write_matrix(dir_ / "S.npy", testing::normal_matrix(30, 3, 1));
    io::write_matrix(dir_ / "X.npy", testing::normal_matrix(10, 3, 2));
  }
  testing::RunResult run_with_out(const std::string& out, const std::string& neff = "") const {
    std::vector<std::string> a{"velocity", "--support", dir_ / "S.npy", "--queries",
                               dir_ / "X.npy", "--t", "0.5", "--out", out};
    if (!neff.empty()) a.insert(a.end(), {"--neff", neff});
    return testing::run_kfm(a, 60);
  }
  static void expect_one_line_error(const testing::RunResult& r, const std::string& needle) {
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err.rfind("kfm: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  }
  TempDir dir_;
};

TEST_F(FailedWrite, FolderThatRefusesFilesEvenForRoot) {
  // /proc passes the up-front checks (it exists, access(W_OK) succeeds for root)
  // but refuses new files: the write fails after the computation.
  const auto r = run_with_out("/proc/kfm_velocity_test.npy");
  expect_one_line_error(r, "cannot create a file in folder '/proc'");
  EXPECT_FALSE(std::filesystem::exists("/proc/kfm_velocity_test.npy"));
}

TEST_F(FailedWrite, SecondOutputFailingRemovesTheFirst) {
  const auto r = run_with_out(dir_ / "U.npy", "/proc/kfm_neff_test.npy");
  expect_one_line_error(r, "/proc");
  EXPECT_EQ(dir_.files().size(), 2u) << "U.npy must be removed when neff cannot be written";
}

TEST_F(FailedWrite, ParentThatIsARegularFile) {
  const auto r = run_with_out(dir_ / "S.npy/U.npy");
  expect_one_line_error(r, "is not a folder");
  EXPECT_EQ(dir_.files().size(), 2u);
}

}  // namespace
}  // namespace kfm
