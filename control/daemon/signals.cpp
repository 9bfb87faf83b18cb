#include "control/daemon/signals.h"

#include <atomic>
#include <csignal>

namespace podwall {

namespace {

std::atomic<int> g_stop_signal{0};
std::atomic<bool> g_reload{false};
static_assert(std::atomic<int>::is_always_lock_free, "needed in a signal handler");
static_assert(std::atomic<bool>::is_always_lock_free, "needed in a signal handler");

void on_stop_signal(int signal) {
  g_stop_signal.store(signal, std::memory_order_relaxed);
}
void on_reload_signal(int) {
  g_reload.store(true, std::memory_order_relaxed);
}

}  // namespace

void install_stop_signals() {
  struct sigaction action = {};
  sigemptyset(&action.sa_mask);
  action.sa_handler = on_stop_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  action.sa_handler = on_reload_signal;
  sigaction(SIGHUP, &action, nullptr);
}

int stop_signal() {
  return g_stop_signal.load(std::memory_order_relaxed);
}

bool take_reload_request() {
  return g_reload.exchange(false, std::memory_order_relaxed);
}

}  // namespace podwall
