#pragma once
// The daemon's control thread after start-up: one poll() over the directory watcher's inotify
// descriptor and the control socket, with the debounce and `wait` deadlines as its timeout.
// Reloads (watcher, `podwallctl reload`, SIGHUP) compile here, on EAL's main lcore, never on a
// worker; each publish goes through the Dataplane facade.
//
// Main thread only.

#include <chrono>
#include <memory>
#include <string>

#include "control/ctl/control_server.h"
#include "control/daemon/flow_log.h"
#include "control/watch/hot_reloader.h"
#include "dataplane/runtime/dataplane.h"

namespace podwall {

// The running dataplane as the hot reloader's table sink.
class DataplaneSink : public TableSink {
 public:
  explicit DataplaneSink(Dataplane& dataplane) : dataplane_(dataplane) {}
  uint64_t publish(std::unique_ptr<PolicyTables> tables) override;
  void reclaim() override { dataplane_.reclaim(); }
  uint64_t generation() const override { return dataplane_.generation(); }
  std::vector<uint64_t> worker_generations() const override;
  bool wait_all(uint64_t generation, std::chrono::milliseconds timeout) const override;

 private:
  Dataplane& dataplane_;
};

struct ControlLoopOptions {
  std::string ctl_socket;  // empty: no control socket
  unsigned stats_interval = 0;
  FlowLog* flow_log = nullptr;  // none: no flow log (and the workers report no flow events)
};

class ControlLoop : public ControlHandler {
 public:
  ControlLoop(Dataplane& dataplane, HotReloader& reloader, ControlLoopOptions options);

  // Opens the control socket. A failure is reported and the daemon runs on without it: the
  // firewall matters more than its remote control.
  void open_socket();

  // Runs until SIGINT/SIGTERM.
  void run();

  // Takes the workers' flow events and writes them to the flow log. `closing`: the workers
  // have stopped; also reports what the rate limit left out in the last second.
  void drain_flow_events(bool closing = false);

  // ControlHandler (called by the server, on this thread).
  std::string status_json() override;
  std::string stats_json() override;
  uint64_t reload() override;
  uint64_t generation_everywhere() override;
  void start_flow_listing() override;
  bool flow_listing_done() override;
  std::string flows_json(const FlowsRequest& request) override;

 private:
  void after_reload();

  Dataplane& dataplane_;
  HotReloader& reloader_;
  ControlLoopOptions options_;
  ControlServer server_;
  bool has_socket_ = false;
  uint64_t figures_for_ = 0;            // reload count last handed to telemetry
  std::vector<FlowEvent> flow_events_;  // reused each loop
  // `flows`: the last walk of the workers' tables, and whether a newer one is under way.
  FlowListing listing_;
  bool listing_under_way_ = false;
};

}  // namespace podwall
