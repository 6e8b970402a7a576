#pragma once
// Cooperative interruption. install_interrupt_handlers() makes SIGINT and
// SIGTERM set a process-wide atomic flag instead of killing the process; long
// loops check it at safe points (between query blocks, sampler steps,
// experiment tasks) and stop by throwing kfm::Interrupted, which unwinds
// normally: atomic writes never publish a partial file, temporary files are
// removed. The CLI installs the handlers and exits with status 128 + signal
// (130 for SIGINT, 143 for SIGTERM). A second signal of the same kind while
// stopping kills the process at once (the handler is one-shot: SA_RESETHAND).
// Library users who do not install the handlers are unaffected: the flag
// then never gets set, and checking it costs one relaxed atomic load.
#include <atomic>

#include "kfm/error.hpp"

namespace kfm {

class Interrupted : public Error {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Installs (or re-arms) the one-shot SIGINT and SIGTERM handlers.
void install_interrupt_handlers();

// True once a handled signal arrived (a relaxed load: cheap enough for any loop).
inline bool interrupted();
// The signal number that set the flag, 0 if none.
int interrupt_signal();
// Throws Interrupted("interrupted by signal N (SIGINT)") if the flag is set.
void throw_if_interrupted();
// The flag itself, for APIs that take a stop hook (const std::atomic<bool>*).
const std::atomic<bool>& interrupt_flag();

// Sets the flag as if `signal` had arrived (tests; a host application's own stop button).
void request_interrupt(int signal);
// Clears the flag (tests; a host application that continues after handling it).
void clear_interrupt();

namespace detail {
extern std::atomic<bool> interrupt_requested;
}

inline bool interrupted() { return detail::interrupt_requested.load(std::memory_order_relaxed); }

}  // namespace kfm
