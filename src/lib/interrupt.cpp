#include "kfm/interrupt.hpp"

#include <csignal>
#include <cstring>

#include <fmt/format.h>

namespace kfm {
namespace detail {
std::atomic<bool> interrupt_requested{false};
}  // namespace detail

namespace {

// Lock-free atomics only: this is touched from the signal handler.
std::atomic<int> received_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "signal";
  }
}

extern "C" void on_interrupt_signal(int signal) {
  received_signal.store(signal, std::memory_order_relaxed);
  detail::interrupt_requested.store(true, std::memory_order_relaxed);
}

}  // namespace

Interrupted::Interrupted(int signal)
    : Error(fmt::format("interrupted by signal {} ({})", signal, signal_name(signal))),
      signal_(signal) {}

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: a second Ctrl-C while stopping gets the default action (terminate).
  // SA_RESTART: blocking reads and writes resume; the loops check the flag.
  action.sa_flags = SA_RESTART | SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() { return received_signal.load(std::memory_order_relaxed); }

void throw_if_interrupted() {
  if (interrupted()) throw Interrupted(interrupt_signal());
}

const std::atomic<bool>& interrupt_flag() { return detail::interrupt_requested; }

void request_interrupt(int signal) {
  received_signal.store(signal, std::memory_order_relaxed);
  detail::interrupt_requested.store(true, std::memory_order_relaxed);
}

void clear_interrupt() {
  received_signal.store(0, std::memory_order_relaxed);
  detail::interrupt_requested.store(false, std::memory_order_relaxed);
}

}  // namespace kfm
