#pragma once
// What status, reload and wait share: the socket path (--socket, else $PODWALL_SOCKET, else
// the daemon's default) and the time limit (--timeout S).

#include <chrono>
#include <optional>
#include <string>

#include "control/cli/cli_common.h"
#include "control/ctl/json.h"

namespace podwall::cli {

std::string socket_path(const Args& args);
// --timeout S (fractions allowed) or `fallback`; nullopt after a usage error on stderr.
std::optional<std::chrono::milliseconds> timeout_option(const Args& args,
                                                        std::chrono::milliseconds fallback);
// Sends one request; prints the failure ("podwallctl CMD: ...") and returns nullopt on error.
std::optional<JsonValue> ask_daemon(const char* command, const std::string& socket,
                                    const std::string& request, std::chrono::milliseconds timeout);
// The round trip of a command that takes no arguments (status, stats, reload): --timeout or
// `fallback`, the request {"cmd":"COMMAND"}, and a refusal ("ok":false) printed as
// "podwallctl COMMAND: error". Without a good reply returns nullopt and sets `exit_code`.
std::optional<JsonValue> ask_daemon_ok(const Args& args, const char* command,
                                       std::chrono::milliseconds fallback, int& exit_code);

}  // namespace podwall::cli
