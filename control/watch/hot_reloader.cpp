#include "control/watch/hot_reloader.h"

#include <cstdio>
#include <exception>

namespace podwall {
namespace {

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

HotReloader::HotReloader(std::string dir, TableSink& sink, ReloadSettings settings, Log log)
    : loader_(std::move(dir)), sink_(sink), settings_(settings), log_(std::move(log)) {}

bool HotReloader::start_watching(std::string& error) {
  return watcher_.start(loader_.dir(), error);
}

std::unique_ptr<PolicyTables> HotReloader::initial_tables() {
  loader_.rescan();
  const Cluster& cluster = loader_.build_cluster();
  report_diagnostics();
  size_t errors = loader_.current_errors().size();
  char line[512];
  std::snprintf(line, sizeof(line),
                "podwall: %s: %zu file(s) loaded, %zu error(s); %zu namespace(s), %zu pod(s), "
                "%zu network polic%s",
                loader_.dir().c_str(), loader_.store().file_count(), errors,
                cluster.namespaces.size(), cluster.pods.size(), cluster.policies.size(),
                cluster.policies.size() == 1 ? "y" : "ies");
  log_(line);
  auto tables = compiler_.compile(cluster);
  live_ = tables.get();
  return tables;
}

void HotReloader::on_readable() {
  watcher_.drain(pending_);
}

std::optional<HotReloader::Clock::duration> HotReloader::time_until_due(
    Clock::time_point now) const {
  if (pending_.empty()) return std::nullopt;
  Clock::time_point due =
      std::min(pending_.last_seen + settings_.debounce, pending_.first_seen + settings_.max_delay);
  return due <= now ? Clock::duration::zero() : due - now;
}

void HotReloader::run_if_due(Clock::time_point now) {
  auto left = time_until_due(now);
  if (!left || *left > Clock::duration::zero()) return;
  ChangeSet changes = std::move(pending_);
  pending_ = ChangeSet{};
  reload(changes, false);
}

uint64_t HotReloader::force_reload() {
  // Whatever the watcher had pending is covered by the full re-scan.
  ChangeSet changes = std::move(pending_);
  pending_ = ChangeSet{};
  changes.note_rescan(Clock::now());
  reload(changes, true);
  return sink_.generation();
}

void HotReloader::reload(const ChangeSet& changes, bool forced) {
  const Clock::time_point started = Clock::now();
  ApplyStats applied = loader_.apply(changes);
  if (!forced && applied.parsed == 0 && applied.removed == 0) return;  // same bytes again
  const Clock::time_point applied_at = Clock::now();
  const Cluster& cluster = loader_.build_cluster();
  report_diagnostics();
  const Clock::time_point built_at = Clock::now();
  std::unique_ptr<PolicyTables> tables;
  try {
    // A forced reload compiles from scratch: the way out should a patch ever go wrong.
    if (forced || !live_) {
      tables = compiler_.compile(cluster);
    } else {
      tables = compiler_.update(cluster, loader_.last_delta(), *live_);
    }
  } catch (const std::exception& e) {
    // The live generation stays: a failed compile must neither open nor close anything.
    ++counters_.failed_compiles;
    counters_.last_compile_error = e.what();
    log_("podwall: compile failed, generation " + std::to_string(sink_.generation()) +
         " stays: " + e.what());
    return;
  }
  counters_.last_compile_error.clear();
  const Clock::time_point compiled_at = Clock::now();
  live_ = tables.get();
  uint64_t generation = sink_.publish(std::move(tables));
  counters_.patched += compiler_.last_was_patch();
  bool confirmed = sink_.wait_all(generation, settings_.worker_wait);
  const Clock::time_point done = Clock::now();
  ++counters_.reloads;
  counters_.last_reload_at = std::chrono::system_clock::now();
  counters_.last_duration = done - started;
  counters_.last_apply = applied_at - started;
  counters_.last_build = built_at - applied_at;
  counters_.last_compile = compiled_at - built_at;
  counters_.last_publish = done - compiled_at;
  latency_.record(done - changes.first_seen);
  work_.record(done - started);
  char line[512];
  std::snprintf(
      line, sizeof(line),
      "podwall: reloaded generation=%llu in %.1f ms (read+parse %.1f, merge %.1f, compile %.1f, "
      "publish %.1f; change seen %.1f ms ago; %zu file(s) parsed, %zu removed%s; %s%s)%s",
      static_cast<unsigned long long>(generation), ms(done - started), ms(applied_at - started),
      ms(built_at - applied_at), ms(compiled_at - built_at), ms(done - compiled_at),
      ms(done - changes.first_seen), applied.parsed, applied.removed,
      applied.rescanned ? ", full re-scan" : "",
      compiler_.last_was_patch() ? "patched" : "full compile: ",
      compiler_.last_was_patch() ? "" : (forced ? "forced" : compiler_.last_full_reason()),
      confirmed ? "" : " (some workers did not confirm)");
  sink_.reclaim();
  log_(line);
}

void HotReloader::report_diagnostics() {
  std::vector<Diagnostic> current = loader_.current_errors();
  if (settings_.log_notes) {
    std::vector<Diagnostic> notes = loader_.current_notes();
    current.insert(current.end(), notes.begin(), notes.end());
  }
  std::set<std::string> now;
  for (const Diagnostic& d : current) {
    std::string text = d.to_string();
    if (!reported_.count(text)) log_(text);
    now.insert(std::move(text));
  }
  reported_ = std::move(now);
}

ReloadStatus HotReloader::status() const {
  ReloadStatus s = counters_;
  s.latency_p50 = latency_.percentile(50);
  s.latency_p99 = latency_.percentile(99);
  s.work_p50 = work_.percentile(50);
  s.work_p99 = work_.percentile(99);
  s.samples = latency_.size();
  for (const Diagnostic& d : loader_.current_errors()) s.errors.push_back(d.to_string());
  s.files = loader_.store().file_count();
  s.pending = !pending_.empty();
  return s;
}

}  // namespace podwall
