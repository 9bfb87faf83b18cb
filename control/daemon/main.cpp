// podwall: the daemon. Glue only: EAL and the bridge live behind the Dataplane facade, the
// policy comes from the loader and the compiler, and this file runs the control thread.

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>

#include "control/daemon/control_loop.h"
#include "control/daemon/options.h"
#include "control/daemon/signals.h"
#include "dataplane/runtime/dataplane.h"

namespace {

using namespace podwall;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int run(int argc, char** argv) {
  install_stop_signals();
  int consumed = 0;
  std::string error;
  std::unique_ptr<Dataplane> dataplane = Dataplane::init_eal(argc, argv, consumed, error);
  if (!dataplane) {
    std::fprintf(stderr, "podwall: %s\n", error.c_str());
    return kExitFailure;
  }
  // EAL consumed argv[1..consumed] (the "--" included); the application's options follow.
  int first = consumed + 1;
  if (first < argc && std::string(argv[first]) == "--") ++first;
  bool help = false;
  auto options = parse_daemon_options(argc, argv, first, help, error);
  if (!options) {
    std::fputs(kDaemonUsage, help ? stdout : stderr);
    if (!help) std::fprintf(stderr, "podwall: %s\n", error.c_str());
    return help ? 0 : kExitUsage;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(options->manifests, ec)) {
    // Starting with no policy at all would allow everything: refuse instead.
    std::fprintf(stderr, "podwall: --manifests %s: not a readable directory\n",
                 options->manifests.c_str());
    return kExitFailure;
  }

  // Before any port starts: a log that cannot be written is a mistake to report at once.
  std::unique_ptr<FlowLog> flow_log;
  if (!options->flow_log.empty()) {
    flow_log = FlowLog::open(options->flow_log, options->flow_log_rate, error);
    if (!flow_log) {
      std::fprintf(stderr, "podwall: %s\n", error.c_str());
      return kExitFailure;
    }
    std::fprintf(stderr, "podwall: flow log %s, at most %u lines a second\n",
                 options->flow_log.c_str(), options->flow_log_rate);
    options->dataplane.flow_events = true;
    options->dataplane.flow_events_allowed = options->flow_log_allowed;
  }

  // The hot reloader (issue 4) watches the directory from before the first listing, so no
  // change between the two is missed. Without inotify the daemon still reloads on SIGHUP and
  // `podwallctl reload`.
  DataplaneSink sink(*dataplane);
  ReloadSettings reload_settings;
  reload_settings.debounce = std::chrono::milliseconds(options->debounce_ms);
  reload_settings.log_notes = options->loader_notes;
  HotReloader reloader(options->manifests, sink, reload_settings,
                       [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  if (!reloader.start_watching(error))
    std::fprintf(stderr, "podwall: not watching %s: %s\n", options->manifests.c_str(),
                 error.c_str());
  std::unique_ptr<PolicyTables> tables = reloader.initial_tables();
  if (!dataplane->start(options->dataplane, error)) {
    std::fprintf(stderr, "podwall: %s\n", error.c_str());
    return kExitFailure;
  }
  uint64_t generation = dataplane->publish(std::move(tables));
  if (!dataplane->wait_until_all_workers_run(generation, std::chrono::seconds(10))) {
    std::fprintf(stderr, "podwall: workers did not pick up generation %" PRIu64 "\n", generation);
    return kExitFailure;
  }
  ControlLoop loop(
      *dataplane, reloader,
      ControlLoopOptions{options->ctl_socket, options->stats_interval, flow_log.get()});
  loop.open_socket();
  std::printf("podwall: ready generation=%" PRIu64 "\n", generation);
  std::fflush(stdout);

  // The control loop: directory watcher, control socket, SIGHUP, periodic counters.
  loop.run();
  std::fprintf(stderr, "podwall: signal %d, stopping\n", stop_signal());
  dataplane->stop();
  loop.drain_flow_events(true);
  std::fputs("podwall: final ", stdout);
  std::fputs(dataplane->format_counters().c_str(), stdout);
  std::fflush(stdout);
  dataplane.reset();  // frees ports, mempool, tables; rte_eal_cleanup
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // Only start-up can throw (allocation while loading or compiling); workers never do.
    std::fprintf(stderr, "podwall: fatal: %s\n", e.what());
    return kExitFailure;
  }
}
