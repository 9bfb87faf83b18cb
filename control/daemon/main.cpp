// podwall: the daemon. Glue only: EAL and the bridge live behind the Dataplane facade, the
// policy comes from the loader and the compiler, and this file runs the control thread.

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "control/daemon/options.h"
#include "control/daemon/policy_source.h"
#include "control/daemon/signals.h"
#include "dataplane/runtime/dataplane.h"

namespace {

using namespace podwall;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Loads, compiles and publishes the directory again (SIGHUP), timing it.
void reload(PolicySource& source, Dataplane& dataplane) {
  auto started = std::chrono::steady_clock::now();
  std::unique_ptr<PolicyTables> tables;
  try {
    tables = source.load();
  } catch (const std::exception& e) {
    // The generation in force stays: a failed reload must not open or close anything.
    std::fprintf(stderr, "podwall: reload failed, generation %" PRIu64 " stays: %s\n",
                 dataplane.generation(), e.what());
    return;
  }
  uint64_t generation = dataplane.publish(std::move(tables));
  bool all = dataplane.wait_until_all_workers_run(generation, std::chrono::seconds(10));
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::printf("podwall: reloaded generation=%" PRIu64 " in %.1f ms%s\n", generation, ms,
              all ? "" : " (some workers did not confirm)");
  std::fflush(stdout);
}

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

  PolicySource source(options->manifests, options->loader_notes);
  std::unique_ptr<PolicyTables> tables = source.load();
  if (!dataplane->start(options->dataplane, error)) {
    std::fprintf(stderr, "podwall: %s\n", error.c_str());
    return kExitFailure;
  }
  uint64_t generation = dataplane->publish(std::move(tables));
  if (!dataplane->wait_until_all_workers_run(generation, std::chrono::seconds(10))) {
    std::fprintf(stderr, "podwall: workers did not pick up generation %" PRIu64 "\n", generation);
    return kExitFailure;
  }
  std::printf("podwall: ready generation=%" PRIu64 "\n", generation);
  std::fflush(stdout);

  // The control loop. SIGHUP reloads the whole directory; issue 4's directory watcher hooks in
  // here (or runs its own thread) and calls dataplane->publish() with each new compile.
  using Clock = std::chrono::steady_clock;
  auto next_service = Clock::now();
  auto next_stats = Clock::now() + std::chrono::seconds(options->stats_interval);
  while (stop_signal() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (take_reload_request()) reload(source, *dataplane);
    auto now = Clock::now();
    if (now >= next_service) {
      dataplane->service();
      next_service = now + std::chrono::seconds(1);
    }
    if (options->stats_interval > 0 && now >= next_stats) {
      std::fputs(dataplane->format_counters().c_str(), stdout);
      std::fflush(stdout);
      next_stats = now + std::chrono::seconds(options->stats_interval);
    }
  }
  std::fprintf(stderr, "podwall: signal %d, stopping\n", stop_signal());
  dataplane->stop();
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
