#pragma once
// Makes Google Benchmark's --benchmark_out=FILE all-or-nothing. Google
// Benchmark writes the file as cases finish, so Ctrl-C or SIGTERM would leave a
// truncated JSON. We point it at a hidden temporary next to FILE, rename it
// over FILE only after the run completes, and on SIGINT/SIGTERM remove the
// temporary and exit with 128 + signal (async-signal-safe: unlink, _exit).
#include <string>
#include <vector>

namespace kfm::bench {

class AtomicBenchmarkOut {
 public:
  // Rewrites a --benchmark_out=FILE argument in `args` (pointers into storage
  // this object owns) and installs the signal handlers. Without that argument
  // it only installs handlers that exit with 128 + signal.
  explicit AtomicBenchmarkOut(std::vector<char*>& args);
  ~AtomicBenchmarkOut();  // removes the temporary if commit() was not reached
  AtomicBenchmarkOut(const AtomicBenchmarkOut&) = delete;
  AtomicBenchmarkOut& operator=(const AtomicBenchmarkOut&) = delete;

  // Renames the temporary over FILE; returns false (with a message on stderr) on failure.
  bool commit();

 private:
  std::string target_, temp_, flag_;
};

}  // namespace kfm::bench
