// podwallctl reload: ask the daemon to re-read its whole manifest directory now.
#include <cinttypes>
#include <cstdio>

#include "control/cli/commands.h"
#include "control/cli/ctl_socket.h"

namespace podwall::cli {

int run_reload(const Args& args) {
  // A full compile of a big cluster takes seconds: wait for it generously.
  int exit_code = kExitOk;
  auto reply = ask_daemon_ok(args, "reload", std::chrono::seconds(120), exit_code);
  if (!reply) return exit_code;
  std::printf("generation %" PRIu64 "\n", uint64_t(reply->number_at("generation").value_or(0)));
  return kExitOk;
}

}  // namespace podwall::cli
