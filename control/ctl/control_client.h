#pragma once
// The client side of the control socket (podwallctl): one request line out, one reply in.
//
// Thread: any; blocks up to the given timeout.

#include <chrono>
#include <optional>
#include <string>

#include "control/ctl/json.h"

namespace podwall {

inline constexpr const char* kDefaultControlSocket = "/run/podwall/podwall.sock";

// Connects to `path`, sends `request` (one JSON line, without the newline) and returns the
// parsed reply, or nullopt with a message in `error` (cannot connect, timeout, bad reply).
std::optional<JsonValue> control_request(const std::string& path, const std::string& request,
                                         std::chrono::milliseconds timeout, std::string& error);

}  // namespace podwall
