#include "control/daemon/signals.h"

#include <atomic>
#include <csignal>

namespace podwall {

namespace {

std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "needed in a signal handler");

void on_stop_signal(int signal) {
  g_stop_signal.store(signal, std::memory_order_relaxed);
}

}  // namespace

void install_stop_signals() {
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int stop_signal() {
  return g_stop_signal.load(std::memory_order_relaxed);
}

}  // namespace podwall
