#pragma once
// Hot reload on the control thread: directory watcher -> debounce -> per-file store update ->
// Cluster -> compile -> publish -> wait for every worker -> record the latency.
//
// The owner polls fd() together with its other descriptors and calls, in its loop:
//   on_readable()       when fd() is readable: collects changes, never blocks
//   run_if_due(now)     reloads once the debounce has passed (quiet for `debounce`, or
//                       `max_delay` after the first change of a burst, whichever comes first)
//   time_until_due(now) how long poll() may sleep
// A compile that throws leaves the live generation in force and is recorded as the last error.
// Everything here runs on the control thread (EAL's main lcore in the daemon), never on a worker.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "control/compiler/policy_compiler.h"
#include "control/watch/change_set.h"
#include "control/watch/directory_watcher.h"
#include "control/watch/incremental_loader.h"
#include "control/watch/latency_window.h"
#include "control/watch/table_sink.h"

namespace podwall {

struct ReloadSettings {
  std::chrono::milliseconds debounce{20};
  std::chrono::milliseconds max_delay{1000};     // a stream of writes still reloads this often
  std::chrono::milliseconds worker_wait{10000};  // how long to wait for workers to confirm
  // Also log the loader's notes (skipped kinds, ignored fields and files), each once, as
  // errors always are.
  bool log_notes = false;
};

struct ReloadStatus {
  uint64_t reloads = 0;          // generations published by this reloader
  uint64_t patched = 0;          // of those, built by patching the previous tables
  uint64_t failed_compiles = 0;  // compiles that threw; the live generation stayed
  std::string last_compile_error;
  std::chrono::nanoseconds last_duration{0};  // last reload: start of work -> workers confirmed
  std::chrono::system_clock::time_point last_reload_at{};
  // The last reload's stages: read and parse changed files, merge the store into a Cluster,
  // compile, publish and wait for the workers.
  std::chrono::nanoseconds last_apply{0}, last_build{0}, last_compile{0}, last_publish{0};
  // change seen -> every worker on the new generation (debounce included)
  std::chrono::nanoseconds latency_p50{0}, latency_p99{0};
  // end of debounce -> every worker on the new generation (what the 100 ms target measures)
  std::chrono::nanoseconds work_p50{0}, work_p99{0};
  size_t samples = 0;
  std::vector<std::string> errors;  // every file currently in error, "file:line:column: ..."
  size_t files = 0;
  bool pending = false;  // changes seen, waiting for the debounce
};

class HotReloader {
 public:
  using Clock = std::chrono::steady_clock;
  // `log` receives one line per reload and per newly reported error (no trailing newline).
  using Log = std::function<void(const std::string&)>;

  HotReloader(std::string dir, TableSink& sink, ReloadSettings settings, Log log);

  // Starts inotify. Call before initial_tables(), so no change between the two is missed.
  bool start_watching(std::string& error);

  // Loads the whole directory and compiles it (start-up). Throws what the compiler throws: at
  // start-up there is no last good generation to keep. The caller publishes the tables to the
  // sink this reloader was given (later reloads patch them).
  std::unique_ptr<PolicyTables> initial_tables();

  int fd() const { return watcher_.fd(); }
  void on_readable();
  std::optional<Clock::duration> time_until_due(Clock::time_point now) const;
  void run_if_due(Clock::time_point now);

  // Re-lists and reloads everything now (podwallctl reload, SIGHUP). Returns the generation
  // live afterwards: a new one, or the old one when the compile failed.
  uint64_t force_reload();

  ReloadStatus status() const;
  // Reloads attempted so far (published or failed): cheap, for "did anything happen?".
  uint64_t attempts() const { return counters_.reloads + counters_.failed_compiles; }
  const IncrementalLoader& loader() const { return loader_; }

 private:
  void reload(const ChangeSet& changes, bool forced);
  void report_diagnostics();

  IncrementalLoader loader_;
  PolicyCompiler compiler_;
  // The tables published last: what the next reload patches. The sink keeps them alive until
  // the next publish (table_sink.h).
  const PolicyTables* live_ = nullptr;
  TableSink& sink_;
  ReloadSettings settings_;
  Log log_;
  DirectoryWatcher watcher_;
  ChangeSet pending_;
  LatencyWindow latency_;
  LatencyWindow work_;
  ReloadStatus counters_;
  std::set<std::string> reported_;  // diagnostics already logged, so each is logged once
};

}  // namespace podwall
