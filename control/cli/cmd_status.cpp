// podwallctl status: what the running daemon enforces and how its reloads go.
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "control/cli/commands.h"
#include "control/cli/ctl_socket.h"

namespace podwall::cli {
namespace {

std::string format_time(double unix_ns) {
  if (unix_ns <= 0) return "-";
  std::time_t t = std::time_t(unix_ns / 1e9);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z", &tm);
  return buf;
}

uint64_t u64(const JsonValue& v, const char* key) {
  return uint64_t(v.number_at(key).value_or(0));
}

}  // namespace

int run_status(const Args& args) {
  int exit_code = kExitOk;
  auto reply = ask_daemon_ok(args, "status", std::chrono::seconds(5), exit_code);
  if (!reply) return exit_code;
  const JsonValue& s = *reply;
  std::printf("manifests        %s\n", s.string_at("manifests").value_or("").c_str());
  std::printf("generation       %" PRIu64 " (live since %s)\n", u64(s, "generation"),
              format_time(s.number_at("live_since_unix_ns").value_or(0)).c_str());
  std::printf("all workers on   %" PRIu64 "\n", u64(s, "all_workers"));
  if (const JsonValue* workers = s.get("workers"); workers && !workers->array.empty()) {
    for (size_t i = 0; i < workers->array.size(); ++i) {
      const JsonValue& w = workers->array[i];
      std::printf("  worker %zu      lcore %" PRIu64 ", generation %" PRIu64 "\n", i,
                  u64(w, "lcore"), u64(w, "generation"));
    }
  }
  std::printf("reloads          %" PRIu64 " (%" PRIu64 " patched, %" PRIu64
              " failed compile(s))%s\n",
              u64(s, "reloads"), u64(s, "patched_reloads"), u64(s, "failed_compiles"),
              s.bool_at("pending") ? ", changes pending" : "");
  std::printf("last reload      %.1f ms, at %s\n", s.number_at("last_reload_ms").value_or(0),
              format_time(s.number_at("last_reload_unix_ns").value_or(0)).c_str());
  std::printf("reload latency   p50 %.1f ms, p99 %.1f ms (change seen -> all workers; %" PRIu64
              " samples)\n",
              s.number_at("latency_p50_ms").value_or(0), s.number_at("latency_p99_ms").value_or(0),
              u64(s, "latency_samples"));
  std::printf("reload work      p50 %.1f ms, p99 %.1f ms (debounce excluded)\n",
              s.number_at("work_p50_ms").value_or(0), s.number_at("work_p99_ms").value_or(0));
  std::printf("files            %" PRIu64 "\n", u64(s, "files"));
  if (auto e = s.string_at("last_compile_error"); e && !e->empty())
    std::printf("compile error    %s (the generation above stays live)\n", e->c_str());
  const JsonValue* errors = s.get("errors");
  size_t n = errors ? errors->array.size() : 0;
  std::printf("errors           %zu%s\n", n, n ? " (each file keeps its last good version)" : "");
  if (errors) {
    for (const JsonValue& e : errors->array) std::printf("  %s\n", e.string.c_str());
  }
  return kExitOk;
}

}  // namespace podwall::cli
