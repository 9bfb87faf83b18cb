// podwallctl reload: ask the daemon to re-read its whole manifest directory now.
#include <cinttypes>
#include <cstdio>

#include "control/cli/commands.h"
#include "control/cli/ctl_socket.h"

namespace podwall::cli {

int run_reload(const Args& args) {
  // A full compile of a big cluster takes seconds: wait for it generously.
  auto timeout = timeout_option(args, std::chrono::seconds(120));
  if (!timeout) return kExitUsage;
  auto reply = ask_daemon("reload", socket_path(args), R"({"cmd":"reload"})", *timeout);
  if (!reply) return kExitInvalid;
  if (!reply->bool_at("ok")) {
    std::fprintf(stderr, "podwallctl reload: %s\n",
                 reply->string_at("error").value_or("?").c_str());
    return kExitInvalid;
  }
  std::printf("generation %" PRIu64 "\n", uint64_t(reply->number_at("generation").value_or(0)));
  return kExitOk;
}

}  // namespace podwall::cli
