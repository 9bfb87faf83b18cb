#include "control/ctl/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace podwall {

std::optional<JsonValue> control_request(const std::string& path, const std::string& request,
                                         std::chrono::milliseconds timeout, std::string& error) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    error = "bad socket path: " + path;
    return std::nullopt;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    error = "cannot connect to " + path + ": " + std::strerror(errno) + " (is podwall running?)";
    return std::nullopt;
  }
  std::string line = request + "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size())) {
    error = std::string("send: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::string in;
  char buf[4096];
  while (in.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      error = "no reply from " + path + " in time";
      return std::nullopt;
    }
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, int(std::min<int64_t>(left.count(), 1000)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "the daemon closed the connection without a reply";
      return std::nullopt;
    }
    in.append(buf, size_t(n));
  }
  in.resize(in.find('\n'));
  auto reply = parse_json(in);
  if (!reply || reply->type != JsonValue::Type::object) {
    error = "unreadable reply: " + in.substr(0, 200);
    return std::nullopt;
  }
  return reply;
}

}  // namespace podwall
