// podwallctl wait GENERATION: return once every worker runs that generation or a later one.
// Exit 0 when reached, 1 on timeout (or when the daemon cannot be asked).
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "control/cli/commands.h"
#include "control/cli/ctl_socket.h"

namespace podwall::cli {

int run_wait(const Args& args) {
  if (args.positional.size() != 1) {
    std::fprintf(stderr, "usage: podwallctl wait GENERATION [--socket PATH] [--timeout S]\n");
    return kExitUsage;
  }
  const std::string& text = args.positional[0];
  char* end = nullptr;
  unsigned long long generation = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') {
    std::fprintf(stderr, "podwallctl wait: '%s' is not a generation number\n", text.c_str());
    return kExitUsage;
  }
  auto timeout = timeout_option(args, std::chrono::seconds(30));
  if (!timeout) return kExitUsage;
  std::string request = R"({"cmd":"wait","generation":)" + std::to_string(generation) +
                        R"(,"timeout_ms":)" + std::to_string(timeout->count()) + "}";
  // The daemon answers at the deadline; give the reply a moment more to arrive.
  auto reply = ask_daemon("wait", socket_path(args), request, *timeout + std::chrono::seconds(2));
  if (!reply) return kExitInvalid;
  uint64_t reached = uint64_t(reply->number_at("generation").value_or(0));
  if (!reply->bool_at("ok")) {
    std::fprintf(stderr, "podwallctl wait: %s: workers are on generation %" PRIu64 ", not %llu\n",
                 reply->string_at("error").value_or("?").c_str(), reached, generation);
    return kExitInvalid;
  }
  std::printf("generation %" PRIu64 "\n", reached);
  return kExitOk;
}

}  // namespace podwall::cli
