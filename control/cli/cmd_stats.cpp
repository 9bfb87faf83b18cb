// podwallctl stats: the running daemon's counters -- totals, then per port and per worker.
#include <cinttypes>
#include <cstdio>
#include <string>
#include <string_view>

#include "control/cli/commands.h"
#include "control/cli/ctl_socket.h"

namespace podwall::cli {
namespace {

// The totals every reader looks at first, in this order; the drop reasons follow.
constexpr const char* kHeadline[] = {
    "rx_packets",
    "rx_bytes",
    "tx_packets",
    "tx_bytes",
    "passed",
    "dropped",
    "flows_allowed",
    "flows_denied",
    "flows_rechecked",
    "flows_revoked",
    "flows_expired",
    "conntrack_entries",
    "conntrack_capacity",
    "fragment_datagrams",
    "fragment_capacity",
    "l2_control_passed",
    "unknown_ethertype_passed",
    "fragments_passed",
    "icmp_errors_related",
    "flooded",
    "tx_full",
    "handed_off",
    "handed_off_tx",
};

uint64_t counter(const JsonValue* counters, const char* name) {
  if (counters == nullptr) return 0;
  return uint64_t(counters->number_at(name).value_or(0));
}

bool is_drop_reason(std::string_view name) {
  return name.substr(0, 5) == "drop_";
}

void print_totals(const JsonValue* totals, bool all) {
  for (const char* name : kHeadline) {
    std::printf("%-42s %" PRIu64 "\n", name, counter(totals, name));
  }
  if (totals == nullptr) return;
  size_t hidden = 0;
  for (const auto& [name, value] : totals->object) {  // drop reasons, sorted by name
    if (!is_drop_reason(name)) continue;
    if (value.number == 0 && !all) {
      ++hidden;
      continue;
    }
    std::printf("%-42s %" PRIu64 "\n", name.c_str(), uint64_t(value.number));
  }
  if (hidden > 0) std::printf("(%zu drop reasons at 0 not shown; --all shows them)\n", hidden);
}

void print_ports(const JsonValue* ports) {
  if (ports == nullptr || ports->array.empty()) return;
  std::printf("\n%-4s %-22s %-15s %-16s %12s %12s %12s %9s %10s\n", "port", "name", "iface",
              "driver", "rx", "tx", "dropped", "tx_full", "flooded");
  for (const JsonValue& p : ports->array) {
    const JsonValue* c = p.get("counters");
    const std::string iface = p.string_at("iface").value_or("");
    std::printf("%-4" PRIu64 " %-22s %-15s %-16s %12" PRIu64 " %12" PRIu64 " %12" PRIu64
                " %9" PRIu64 " %10" PRIu64 "\n",
                uint64_t(p.number_at("id").value_or(0)), p.string_at("name").value_or("").c_str(),
                iface.empty() ? "-" : iface.c_str(), p.string_at("driver").value_or("").c_str(),
                counter(c, "rx_packets"), counter(c, "tx_packets"), counter(c, "dropped"),
                counter(c, "tx_full"), counter(c, "flooded"));
  }
}

void print_workers(const JsonValue* workers) {
  if (workers == nullptr || workers->array.empty()) return;
  std::printf("\n%-6s %5s %10s %12s %12s %10s %13s %14s\n", "worker", "lcore", "generation",
              "passed", "dropped", "conntrack", "handed_off", "handed_off_tx");
  for (const JsonValue& w : workers->array) {
    const JsonValue* c = w.get("counters");
    std::printf("%-6" PRIu64 " %5" PRIu64 " %10" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10" PRIu64
                " %13" PRIu64 " %14" PRIu64 "\n",
                uint64_t(w.number_at("index").value_or(0)),
                uint64_t(w.number_at("lcore").value_or(0)),
                uint64_t(w.number_at("generation").value_or(0)), counter(c, "passed"),
                counter(c, "dropped"), counter(c, "conntrack_entries"), counter(c, "handed_off"),
                counter(c, "handed_off_tx"));
  }
}

}  // namespace

int run_stats(const Args& args) {
  int exit_code = kExitOk;
  auto reply = ask_daemon_ok(args, "stats", std::chrono::seconds(5), exit_code);
  if (!reply) return exit_code;
  std::printf("%-42s %" PRIu64 "\n", "generation",
              uint64_t(reply->number_at("generation").value_or(0)));
  print_totals(reply->get("totals"), args.flag("all"));
  print_ports(reply->get("ports"));
  print_workers(reply->get("workers"));
  return kExitOk;
}

}  // namespace podwall::cli
