#include "control/ctl/control_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <utility>

#include "control/ctl/json.h"

namespace podwall {
namespace {

constexpr size_t kMaxClients = 32;
constexpr size_t kMaxLine = 4096;
constexpr size_t kMaxOut = 1 << 20;  // a status reply with many errors stays well below this
constexpr uint64_t kDefaultWaitMs = 30000;
constexpr uint64_t kMaxWaitMs = 3600 * 1000;
// A listed flow takes some 200 bytes of JSON: the largest listing stays below kMaxOut.
constexpr uint64_t kDefaultFlows = 100;
constexpr uint64_t kMaxFlows = 3000;

// A whole number a generation counter can hold; a double counts exactly up to 2^53.
bool is_generation_number(double value) {
  return value >= 0 && value <= 9007199254740992.0 && value == std::floor(value);
}

std::string error_reply(const std::string& message) {
  return JsonObjectWriter().add("ok", false).add("error", message).str();
}

bool fill_address(const std::string& path, sockaddr_un& addr, std::string& error) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    error = "control socket path must be 1 to " + std::to_string(sizeof(addr.sun_path) - 1) +
            " bytes: " + path;
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// True when something accepts connections at `path`.
bool someone_listens(const sockaddr_un& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return live;
}

}  // namespace

ControlServer::~ControlServer() {
  for (Client& c : clients_) ::close(c.fd);
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }
}

bool ControlServer::open(const std::string& path, std::string& error) {
  sockaddr_un addr;
  if (!fill_address(path, addr, error)) return false;
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
      error = "cannot create " + parent.string() + ": " + std::strerror(errno);
      return false;
    }
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = path + " exists and is not a socket";
      return false;
    }
    if (someone_listens(addr)) {
      error = path + ": another process is listening there (a second daemon?)";
      return false;
    }
    ::unlink(path.c_str());  // stale, left by a daemon that died
  }
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  // The socket file is created by bind() with the umask applied: make it 0600 from the start,
  // so there is no moment in which another user may connect.
  mode_t old = ::umask(0177);
  int rc = ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  int bind_errno = errno;
  ::umask(old);
  if (rc != 0 || ::chmod(path.c_str(), 0600) != 0 || ::listen(listen_fd_, 16) != 0) {
    error = "cannot listen on " + path + ": " + std::strerror(rc != 0 ? bind_errno : errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  path_ = path;
  return true;
}

void ControlServer::fill(std::vector<pollfd>& fds) const {
  fds.push_back(pollfd{listen_fd_, POLLIN, 0});
  for (const Client& c : clients_) {
    short events = c.awaiting != Awaiting::nothing || c.closing ? 0 : POLLIN;
    if (!c.out.empty()) events |= POLLOUT;
    fds.push_back(pollfd{c.fd, events, 0});
  }
}

void ControlServer::serve(const pollfd* fds, size_t count) {
  if (count == 0) return;
  // Clients first (their indexes match fill()'s order), then new connections.
  for (size_t i = 1; i < count && i - 1 < clients_.size(); ++i) {
    Client& c = clients_[i - 1];
    if (fds[i].revents & (POLLERR | POLLNVAL)) {
      drop(c);
      continue;
    }
    if ((fds[i].revents & POLLHUP) && c.awaiting != Awaiting::nothing) {
      drop(c);  // gone both ways while its request waits: nobody is left to answer
      continue;
    }
    if (fds[i].revents & (POLLIN | POLLHUP)) read_client(c);
    if (fds[i].revents & POLLOUT) write_client(c);
  }
  // Closed before accepting, so that a place given up now can be taken now.
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->closing && it->out.empty() && it->awaiting == Awaiting::nothing) {
      ::close(it->fd);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
  if (fds[0].revents & POLLIN) accept_clients();
}

void ControlServer::accept_clients() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (clients_.size() >= kMaxClients) {
      ::close(fd);
      continue;
    }
    Client client;
    client.fd = fd;
    clients_.push_back(std::move(client));
  }
}

void ControlServer::drop(Client& c) {
  c.closing = true;
  c.awaiting = Awaiting::nothing;
  c.in.clear();
  c.out.clear();
}

void ControlServer::read_client(Client& c) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n == 0) {
      // The peer sends no more. What it sent is still answered: socat and nc shut their
      // sending side down after the request and then wait for the reply.
      c.closing = true;
      break;
    }
    if (n < 0) {  // the connection failed: nothing can be answered
      drop(c);
      return;
    }
    c.in.append(buf, size_t(n));
    if (c.in.size() > kMaxLine && c.in.find('\n') == std::string::npos) {
      reply(c, error_reply("request line longer than " + std::to_string(kMaxLine) + " bytes"));
      c.closing = true;
      return;
    }
  }
  handle_lines(c);
}

void ControlServer::handle_lines(Client& c) {
  size_t nl;
  while (c.awaiting == Awaiting::nothing && (nl = c.in.find('\n')) != std::string::npos) {
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) handle_line(c, line);
  }
}

void ControlServer::write_client(Client& c) {
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      drop(c);
      return;
    }
    c.out.erase(0, size_t(n));
  }
}

void ControlServer::reply(Client& c, const std::string& json) {
  if (c.out.size() + json.size() > kMaxOut) {
    drop(c);  // a client that does not read must not grow our memory
    return;
  }
  c.out += json;
  c.out += '\n';
  write_client(c);
}

void ControlServer::handle_line(Client& c, const std::string& line) {
  std::string cmd, address, pod;
  std::optional<double> generation, timeout_ms, limit;
  if (line.front() == '{') {
    auto request = parse_json(line);
    if (!request || request->type != JsonValue::Type::object) {
      reply(c, error_reply("not a JSON object"));
      return;
    }
    cmd = request->string_at("cmd").value_or("");
    generation = request->number_at("generation");
    timeout_ms = request->number_at("timeout_ms");
    limit = request->number_at("limit");
    address = request->string_at("address").value_or("");
    pod = request->string_at("pod").value_or("");
  } else {
    std::istringstream words(line);
    std::string g, t;
    words >> cmd >> g >> t;
    char* end = nullptr;
    if (!g.empty()) {
      double v = std::strtod(g.c_str(), &end);
      if (*end == '\0') generation = v;
    }
    if (!t.empty()) {
      double v = std::strtod(t.c_str(), &end);
      if (*end == '\0') timeout_ms = v;
    }
    if (cmd == "flows") limit = generation;  // `flows N`
  }
  if (cmd == "status") {
    reply(c, handler_.status_json());
  } else if (cmd == "stats") {
    reply(c, handler_.stats_json());
  } else if (cmd == "reload") {
    uint64_t live = handler_.reload();
    reply(c, JsonObjectWriter().add("ok", true).add("generation", live).str());
  } else if (cmd == "wait") {
    // Converting a double that does not fit (NaN, infinity, 1e300) to an integer is undefined:
    // both numbers are checked while still doubles.
    if (!generation || !is_generation_number(*generation)) {
      reply(c, error_reply("wait needs a generation number"));
      return;
    }
    uint64_t ms = kDefaultWaitMs;
    if (timeout_ms && *timeout_ms >= 0) {  // false for NaN
      ms = uint64_t(std::min(*timeout_ms, double(kMaxWaitMs)));
    }
    c.awaiting = Awaiting::generation;
    c.wait_generation = uint64_t(*generation);
    c.wait_deadline = Clock::now() + std::chrono::milliseconds(ms);
    answer_if_ready(c, Clock::now());
  } else if (cmd == "flows") {
    c.flows = FlowsRequest{kDefaultFlows, address, pod};
    if (limit && *limit >= 0) c.flows.limit = uint64_t(std::min(*limit, double(kMaxFlows)));
    handler_.start_flow_listing();
    c.awaiting = Awaiting::flow_listing;
    answer_if_ready(c, Clock::now());
  } else {
    reply(c, error_reply("unknown command '" + cmd + "' (status, stats, reload, wait, flows)"));
  }
}

void ControlServer::check_waits(Clock::time_point now) {
  for (Client& c : clients_) {
    if (c.awaiting != Awaiting::nothing && answer_if_ready(c, now)) {
      handle_lines(c);  // requests sent behind the one just answered
    }
  }
}

bool ControlServer::answer_if_ready(Client& c, Clock::time_point now) {
  switch (c.awaiting) {
    case Awaiting::nothing:
      return false;
    case Awaiting::generation: {
      const uint64_t reached = handler_.generation_everywhere();
      if (reached >= c.wait_generation) {
        c.awaiting = Awaiting::nothing;
        reply(c, JsonObjectWriter().add("ok", true).add("generation", reached).str());
        return true;
      }
      if (now >= c.wait_deadline) {
        c.awaiting = Awaiting::nothing;
        reply(c, JsonObjectWriter()
                     .add("ok", false)
                     .add("error", "timeout")
                     .add("generation", reached)
                     .str());
        return true;
      }
      return false;
    }
    case Awaiting::flow_listing:
      if (!handler_.flow_listing_done()) return false;
      c.awaiting = Awaiting::nothing;
      reply(c, handler_.flows_json(c.flows));
      return true;
  }
  return false;
}

bool ControlServer::has_waits() const {
  for (const Client& c : clients_)
    if (c.awaiting != Awaiting::nothing) return true;
  return false;
}

}  // namespace podwall
