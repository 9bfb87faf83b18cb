// The control socket end to end: a real unix socket, the server polled as the daemon polls it,
// and the client podwallctl uses.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "control/ctl/control_client.h"
#include "control/ctl/control_server.h"
#include "control/ctl/json.h"

namespace podwall {
namespace {

class FakeHandler : public ControlHandler {
 public:
  std::string status_json() override {
    return JsonObjectWriter().add("ok", true).add("generation", generation.load()).str();
  }
  std::string stats_json() override {
    return JsonObjectWriter().add("ok", true).add_raw("totals", R"({"passed":7})").str();
  }
  uint64_t reload() override { return ++generation; }
  uint64_t generation_everywhere() override {
    ++generation_asks;  // the server has a `wait` in hand
    return generation.load();
  }
  // A walk of the flow tables that is over once the test says so.
  void start_flow_listing() override { ++walks_started; }
  bool flow_listing_done() override { return walk_over.load(); }
  // Echoes what the server asked for, so that tests see the limit and address it passed.
  std::string flows_json(const FlowsRequest& request) override {
    EXPECT_TRUE(walk_over.load()) << "answered before the walk was over";
    return JsonObjectWriter()
        .add("ok", true)
        .add("limit", request.limit)
        .add("address", request.address)
        .add("pod", request.pod)
        .str();
  }
  std::atomic<uint64_t> generation{1};
  std::atomic<int> walks_started{0};
  std::atomic<int> generation_asks{0};
  std::atomic<bool> walk_over{true};
};

// Sends `text` as it is over a new connection and reads `lines` reply lines (fewer if the
// server does not send them within `timeout`). `half_close`: then shuts the sending side down,
// as socat and nc do at the end of their input.
std::vector<std::string> exchange(const std::string& path, const std::string& text, size_t lines,
                                  std::chrono::milliseconds timeout, bool half_close = false) {
  std::vector<std::string> out;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) != ssize_t(text.size())) {
    ::close(fd);
    return out;
  }
  if (half_close) ::shutdown(fd, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string in;
  while (out.size() < lines && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    in.append(buf, size_t(n));
    for (size_t nl; out.size() < lines && (nl = in.find('\n')) != std::string::npos;) {
      out.push_back(in.substr(0, nl));
      in.erase(0, nl + 1);
    }
  }
  ::close(fd);
  return out;
}

// Polls `done` for up to five seconds: for the server, on its own thread, to reach a state.
template <typename Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pw-ctl-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/sub/podwall.sock";
    std::string error;
    ASSERT_TRUE(server_.open(path_, error)) << error;
    loop_ = std::thread([this] {
      std::vector<pollfd> fds;
      while (!stop_) {
        fds.clear();
        server_.fill(fds);
        ::poll(fds.data(), fds.size(), 2);
        server_.serve(fds.data(), fds.size());
        server_.check_waits(ControlServer::Clock::now());
      }
    });
  }
  void TearDown() override {
    stop_ = true;
    loop_.join();
    std::filesystem::remove_all(dir_);
  }
  std::optional<JsonValue> ask(const std::string& request) {
    std::string error;
    auto r = control_request(path_, request, std::chrono::seconds(5), error);
    EXPECT_TRUE(r) << error;
    return r;
  }

  std::string dir_, path_;
  FakeHandler handler_;
  ControlServer server_{handler_};
  std::atomic<bool> stop_{false};
  std::thread loop_;
};

TEST_F(ControlServerTest, SocketIsPrivate) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ControlServerTest, StatusReloadAndWait) {
  EXPECT_EQ(ask(R"({"cmd":"status"})")->number_at("generation"), 1);
  EXPECT_EQ(ask("reload")->number_at("generation"), 2);  // the bare-word form
  auto reached = ask(R"({"cmd":"wait","generation":2,"timeout_ms":1000})");
  EXPECT_TRUE(reached->bool_at("ok"));

  // A wait that a later publish satisfies.
  auto later = std::async(std::launch::async, [this] {
    return ask(R"({"cmd":"wait","generation":3,"timeout_ms":5000})");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  handler_.generation = 3;
  auto r = later.get();
  EXPECT_TRUE(r->bool_at("ok"));
  EXPECT_EQ(r->number_at("generation"), 3);

  auto timeout = ask("wait 9 100");
  EXPECT_FALSE(timeout->bool_at("ok"));
  EXPECT_EQ(timeout->string_at("error"), "timeout");
}

TEST_F(ControlServerTest, StatsReachTheHandlerInBothForms) {
  for (const char* request : {R"({"cmd":"stats"})", "stats"}) {
    auto r = ask(request);
    ASSERT_TRUE(r) << request;
    EXPECT_TRUE(r->bool_at("ok")) << request;
    const JsonValue* totals = r->get("totals");
    ASSERT_NE(totals, nullptr) << request;
    EXPECT_EQ(totals->number_at("passed"), 7) << request;
  }
}

// `podwallctl flows --limit N --address IP`: the handler gets what was asked, the limit kept
// to what one reply can carry.
TEST_F(ControlServerTest, FlowsPassTheirLimitAndAddress) {
  auto r = ask(R"({"cmd":"flows","limit":5,"address":"198.18.0.1","pod":"shop/web"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->number_at("limit"), 5);
  EXPECT_EQ(r->string_at("address"), "198.18.0.1");
  EXPECT_EQ(r->string_at("pod"), "shop/web");
  EXPECT_EQ(ask("flows 7")->number_at("limit"), 7);
  EXPECT_EQ(ask("flows")->number_at("limit"), 100);
  EXPECT_EQ(ask(R"({"cmd":"flows"})")->string_at("address"), "");
  for (const char* request : {R"({"cmd":"flows","limit":1e300})", "flows inf"}) {
    EXPECT_EQ(ask(request)->number_at("limit"), 3000) << request;
  }
  for (const char* request : {R"({"cmd":"flows","limit":-1})", "flows nan"}) {
    EXPECT_EQ(ask(request)->number_at("limit"), 100) << request;
  }
}

// A walk of the workers' tables takes a while under load: the `flows` reply waits for it, and
// the server answers everyone else in the meantime.
TEST_F(ControlServerTest, FlowsWaitForTheWalkWithoutHoldingOthers) {
  handler_.walk_over = false;
  auto flows = std::async(std::launch::async, [this] { return ask("flows 5"); });
  ASSERT_TRUE(eventually([this] { return handler_.walks_started.load() == 1; }));

  auto status = ask("status");
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->bool_at("ok"));
  EXPECT_EQ(flows.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);

  handler_.walk_over = true;
  auto r = flows.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->number_at("limit"), 5);
  EXPECT_EQ(handler_.walks_started.load(), 1);
}

// Requests sent in one go are answered in order, also when the first has to wait: the ones
// behind it are not left unread once it is answered.
TEST_F(ControlServerTest, RequestsBehindAWaitAreAnsweredAfterIt) {
  auto replies = std::async(std::launch::async, [this] {
    return exchange(path_, "wait 2 5000\nstatus\nflows 3\n", 3, std::chrono::seconds(5));
  });
  // The wait is in hand, and the two requests behind it with it, before it can be answered.
  ASSERT_TRUE(eventually([this] { return handler_.generation_asks.load() > 0; }));
  handler_.generation = 2;
  std::vector<std::string> lines = replies.get();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(parse_json(lines[0])->number_at("generation"), 2) << lines[0];
  EXPECT_TRUE(parse_json(lines[1])->bool_at("ok")) << lines[1];
  EXPECT_EQ(parse_json(lines[2])->number_at("limit"), 3) << lines[2];
}

// `echo flows | socat - UNIX-CONNECT:...`: the client has shut its sending side down by the
// time its request waits, and still gets the reply.
TEST_F(ControlServerTest, HalfClosedClientsGetTheReplyTheyWaitFor) {
  handler_.walk_over = false;
  auto flows = std::async(std::launch::async, [this] {
    return exchange(path_, "flows 4\n", 1, std::chrono::seconds(5), true);
  });
  auto wait = std::async(std::launch::async, [this] {
    return exchange(path_, "wait 2 5000\n", 1, std::chrono::seconds(5), true);
  });
  // Both requests wait, their clients' sending sides shut, before they can be answered.
  ASSERT_TRUE(eventually([this] {
    return handler_.walks_started.load() == 1 && handler_.generation_asks.load() > 0;
  }));
  handler_.walk_over = true;
  handler_.generation = 2;
  std::vector<std::string> listed = flows.get(), waited = wait.get();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(parse_json(listed[0])->number_at("limit"), 4) << listed[0];
  ASSERT_EQ(waited.size(), 1u);
  EXPECT_EQ(parse_json(waited[0])->number_at("generation"), 2) << waited[0];
  // And a request that needs no waiting, as before.
  std::vector<std::string> status = exchange(path_, "status\n", 1, std::chrono::seconds(5), true);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_TRUE(parse_json(status[0])->bool_at("ok")) << status[0];
}

// A client that goes away while its wait is pending does not keep its place: more of them than
// the server takes at once leave room for the next request.
TEST_F(ControlServerTest, ClientsGoneWhileWaitingFreeTheirPlace) {
  for (int i = 0; i < 40; ++i) {
    EXPECT_TRUE(exchange(path_, "wait 99 3600000\n", 1, std::chrono::milliseconds(20)).empty());
  }
  auto status = ask("status");
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->bool_at("ok"));
}

TEST_F(ControlServerTest, BadRequestsGetErrors) {
  auto unknown = ask("frobnicate");
  EXPECT_FALSE(unknown->bool_at("ok", true));
  EXPECT_EQ(unknown->string_at("error"),
            "unknown command 'frobnicate' (status, stats, reload, wait, flows)");
  EXPECT_FALSE(ask("{not json")->bool_at("ok", true));
  EXPECT_FALSE(ask(R"({"cmd":"wait"})")->bool_at("ok", true));
}

// Numbers no generation counter holds are refused at once, not waited on until the timeout
// (nor converted to an integer they do not fit, which is undefined).
TEST_F(ControlServerTest, WaitRefusesGenerationsThatAreNotWholeNumbers) {
  for (const char* request :
       {"wait nan 50", "wait inf 50", "wait 1e300 50", "wait 2.5 50", "wait -1 50",
        R"({"cmd":"wait","generation":1e300,"timeout_ms":50})"}) {
    auto r = ask(request);
    ASSERT_TRUE(r) << request;
    EXPECT_FALSE(r->bool_at("ok", true)) << request;
    EXPECT_EQ(r->string_at("error"), "wait needs a generation number") << request;
  }
  // An endless or huge timeout is the longest wait, not an overflow.
  EXPECT_TRUE(ask("wait 1 inf")->bool_at("ok"));
  EXPECT_TRUE(ask(R"({"cmd":"wait","generation":1,"timeout_ms":1e300})")->bool_at("ok"));
}

TEST_F(ControlServerTest, SecondServerOnTheSamePathIsRefused) {
  FakeHandler other;
  ControlServer second(other);
  std::string error;
  EXPECT_FALSE(second.open(path_, error));
  EXPECT_NE(error.find("another process"), std::string::npos) << error;
}

}  // namespace
}  // namespace podwall
