#include "atomic_out.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

namespace kfm::bench {
namespace {

constexpr std::string_view kOutFlag = "--benchmark_out=";
// The temporary's name for the handler (a fixed buffer: no allocation in a handler).
char g_temp_path[4096] = {0};

extern "C" void on_stop_signal(int signal) {
  if (g_temp_path[0] != '\0') ::unlink(g_temp_path);
  const char message[] = "kfm_bench: interrupted by signal; no result file was written\n";
  (void)!::write(2, message, sizeof message - 1);
  ::_exit(128 + signal);
}

}  // namespace

AtomicBenchmarkOut::AtomicBenchmarkOut(std::vector<char*>& args) {
  for (char*& arg : args) {
    if (arg == nullptr || std::string_view(arg).rfind(kOutFlag, 0) != 0) continue;
    target_ = std::string(arg + kOutFlag.size());
    const std::filesystem::path target(target_);
    const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : ".";
    temp_ = (folder / fmt::format(".{}.tmp-{}", target.filename().string(), ::getpid())).string();
    if (temp_.size() >= sizeof g_temp_path) temp_.clear();  // absurd path: write directly
    if (temp_.empty()) break;
    std::memcpy(g_temp_path, temp_.c_str(), temp_.size() + 1);
    flag_ = std::string(kOutFlag) + temp_;
    arg = flag_.data();
    break;
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

AtomicBenchmarkOut::~AtomicBenchmarkOut() {
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

bool AtomicBenchmarkOut::commit() {
  if (temp_.empty()) return true;
  g_temp_path[0] = '\0';
  std::error_code error;
  if (!std::filesystem::exists(temp_, error)) {  // nothing was written (e.g. --help)
    temp_.clear();
    return true;
  }
  std::filesystem::rename(temp_, target_, error);
  if (error) {
    fmt::print(stderr, "kfm_bench: error: cannot write {}: {}\n", target_, error.message());
    return false;
  }
  temp_.clear();
  return true;
}

}  // namespace kfm::bench
