#include "control/cli/ctl_socket.h"

#include <cstdio>
#include <cstdlib>

#include "control/ctl/control_client.h"

namespace podwall::cli {

std::string socket_path(const Args& args) {
  if (auto s = args.option("socket")) return *s;
  if (const char* env = std::getenv("PODWALL_SOCKET"); env && *env) return env;
  return kDefaultControlSocket;
}

std::optional<std::chrono::milliseconds> timeout_option(const Args& args,
                                                        std::chrono::milliseconds fallback) {
  auto text = args.option("timeout");
  if (!text) return fallback;
  char* end = nullptr;
  double seconds = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || !(seconds >= 0) || seconds > 86400) {
    std::fprintf(stderr, "podwallctl: --timeout takes seconds (0 to 86400), not '%s'\n",
                 text->c_str());
    return std::nullopt;
  }
  return std::chrono::milliseconds(int64_t(seconds * 1000));
}

std::optional<JsonValue> ask_daemon(const char* command, const std::string& socket,
                                    const std::string& request, std::chrono::milliseconds timeout) {
  std::string error;
  auto reply = control_request(socket, request, timeout, error);
  if (!reply) {
    std::fprintf(stderr, "podwallctl %s: %s\n", command, error.c_str());
    return std::nullopt;
  }
  return reply;
}

std::optional<JsonValue> ask_daemon_ok(const Args& args, const char* command,
                                       std::chrono::milliseconds fallback, int& exit_code) {
  auto timeout = timeout_option(args, fallback);
  if (!timeout) {
    exit_code = kExitUsage;
    return std::nullopt;
  }
  const std::string request = std::string(R"({"cmd":")") + command + R"("})";
  auto reply = ask_daemon(command, socket_path(args), request, *timeout);
  if (reply && !reply->bool_at("ok")) {
    std::fprintf(stderr, "podwallctl %s: %s\n", command,
                 reply->string_at("error").value_or("?").c_str());
    reply.reset();
  }
  if (!reply) exit_code = kExitInvalid;
  return reply;
}

}  // namespace podwall::cli
