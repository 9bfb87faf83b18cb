#pragma once
// The daemon's control socket: a unix stream socket (mode 0600) speaking one JSON object per
// line each way. Requests (a bare word form is accepted too, for socat and nc):
//   {"cmd":"status"}                                   status
//   {"cmd":"stats"}                                    stats
//   {"cmd":"reload"}                                   reload
//   {"cmd":"wait","generation":N,"timeout_ms":T}       wait N [T]
//   {"cmd":"flows","limit":N,"address":"IP","pod":"NS/NAME"}   flows [N]
// Replies carry "ok": true or false; a failure has "error". `wait` is answered once every
// worker runs generation N or later ("ok":true), or after T ms ("ok":false,"error":"timeout");
// `flows` once the workers have walked their flow tables (milliseconds idle, up to a second or
// two under load); other requests at once. Each connection handles one request at a time;
// while one waits, the server goes on answering the others.
//
// Thread: the control thread owns the server; the owner poll()s the descriptors fill() gives it
// and hands the results back to serve(). Nothing blocks: sockets are non-blocking, and a
// client that does not read its reply is dropped once its buffer passes a limit.

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace podwall {

// What `flows` asks for: at most `limit` connections, and of those only the ones with
// `address` at an end and `pod` ("namespace/name") at an end, when they are not empty.
struct FlowsRequest {
  uint64_t limit = 0;
  std::string address;
  std::string pod;
};

class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  // A whole status reply object, "ok":true included.
  virtual std::string status_json() = 0;
  // A whole reply object with the dataplane's counters, "ok":true included.
  virtual std::string stats_json() = 0;
  // Forces a full reload; returns the generation live afterwards.
  virtual uint64_t reload() = 0;
  // The generation every running worker has reached (the lowest among them).
  virtual uint64_t generation_everywhere() = 0;
  // `flows` takes three calls, so that the control thread never waits for the workers' walks:
  // start_flow_listing() asks for a walk unless one is under way; flow_listing_done() is then
  // polled until it returns true; flows_json() answers from that walk. Requests that arrive
  // while a walk is under way are all answered from it.
  virtual void start_flow_listing() = 0;
  virtual bool flow_listing_done() = 0;
  // A whole reply object listing the tracked connections `request` asks for.
  virtual std::string flows_json(const FlowsRequest& request) = 0;
};

class ControlServer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ControlServer(ControlHandler& handler) : handler_(handler) {}
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the socket at `path` (and its parent directory if missing). A stale socket file is
  // replaced; a live one (another daemon answers) or a non-socket file is an error.
  bool open(const std::string& path, std::string& error);

  // Appends the descriptors to poll: the listening socket, then each client.
  void fill(std::vector<pollfd>& fds) const;
  // `fds` points at the entries fill() appended, with their revents set.
  void serve(const pollfd* fds, size_t count);
  // Answers the `wait` requests that are satisfied or timed out, and the `flows` requests once
  // their walk is done. Call after serve() and after every publish.
  void check_waits(Clock::time_point now);
  // True while some client waits: the owner should poll again within a millisecond or so.
  bool has_waits() const;

  const std::string& path() const { return path_; }

 private:
  // What a client's request waits for before it is answered.
  enum class Awaiting : uint8_t { nothing, generation, flow_listing };

  struct Client {
    int fd = -1;
    std::string in;
    std::string out;
    Awaiting awaiting = Awaiting::nothing;
    uint64_t wait_generation = 0;
    Clock::time_point wait_deadline{};
    FlowsRequest flows;
    bool closing = false;
  };

  void accept_clients();
  // Gives a client up: nothing it sent is answered, nothing owed is sent; closed in serve().
  void drop(Client& c);
  void read_client(Client& c);
  // Handles the complete lines a client has sent, up to one that must wait.
  void handle_lines(Client& c);
  void write_client(Client& c);
  void handle_line(Client& c, const std::string& line);
  // Answers the request `c` waits with, if it can be answered now; returns whether it was.
  bool answer_if_ready(Client& c, Clock::time_point now);
  void reply(Client& c, const std::string& json);

  ControlHandler& handler_;
  std::string path_;
  int listen_fd_ = -1;
  std::vector<Client> clients_;
};

}  // namespace podwall
