// podwallctl flows: the connections the daemon's workers track -- conntrack's view, as
// `conntrack -L` gives the kernel's: who opened each, its state, when it expires unless more
// traffic comes, and the policy generation that approved it.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "control/cli/commands.h"
#include "control/cli/ctl_socket.h"

namespace podwall::cli {
namespace {

// "198.18.0.5:41234", "[fd00::5]:41234", or the bare address for a flow without ports.
std::string end_text(const JsonValue& flow, const char* address, const char* port) {
  const std::string a = flow.string_at(address).value_or("?");
  const auto p = flow.number_at(port);
  if (!p) return a;
  const std::string shown = a.find(':') != std::string::npos ? "[" + a + "]" : a;
  return shown + ":" + std::to_string(uint64_t(*p));
}

void print_flows(const JsonValue& reply) {
  const JsonValue* flows = reply.get("flows");
  std::printf("%-6s %-6s %-30s %-30s %-12s %9s %10s  %s\n", "worker", "proto", "source",
              "destination", "state", "expires", "generation", "pods");
  size_t shown = 0;
  for (const JsonValue& f : flows ? flows->array : std::vector<JsonValue>{}) {
    const double expires_s = f.number_at("expires_in_ms").value_or(0) / 1000.0;
    std::printf("%-6" PRIu64 " %-6s %-30s %-30s %-12s %8.1fs %10" PRIu64 "  %s -> %s\n",
                uint64_t(f.number_at("worker").value_or(0)),
                f.string_at("proto").value_or("?").c_str(), end_text(f, "src", "sport").c_str(),
                end_text(f, "dst", "dport").c_str(), f.string_at("state").value_or("?").c_str(),
                expires_s, uint64_t(f.number_at("generation").value_or(0)),
                f.string_at("src_pod").value_or("?").c_str(),
                f.string_at("dst_pod").value_or("?").c_str());
    ++shown;
  }
  const uint64_t matching = uint64_t(reply.number_at("matching").value_or(0));
  const uint64_t tracked = uint64_t(reply.number_at("tracked").value_or(0));
  std::printf("%zu of %" PRIu64 " connection(s)", shown, matching);
  if (matching != tracked) std::printf(" selected; %" PRIu64 " tracked in all", tracked);
  std::printf("\n");
  if (!reply.bool_at("complete", true)) {
    std::printf("incomplete: a worker did not finish walking its table in time\n");
  }
  if (reply.bool_at("truncated")) {
    std::printf(
        "a worker tracks more connections than one listing holds: only the first found "
        "are shown\n");
  }
}

}  // namespace

int run_flows(const Args& args) {
  std::string request = R"({"cmd":"flows")";
  if (auto limit = args.option("limit")) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(limit->c_str(), &end, 10);
    if (limit->empty() || *end != '\0' || (*limit)[0] == '-') {
      std::fprintf(stderr, "podwallctl flows: --limit '%s' is not a number\n", limit->c_str());
      return kExitUsage;
    }
    request += R"(,"limit":)" + std::to_string(n);
  }
  if (auto address = args.option("address")) request += R"(,"address":)" + json_quote(*address);
  if (auto pod = args.option("pod")) request += R"(,"pod":)" + json_quote(*pod);
  request += "}";
  // The workers walk their tables (the daemon gives them 2 s): wait a little longer.
  auto timeout = timeout_option(args, std::chrono::seconds(10));
  if (!timeout) return kExitUsage;
  auto reply = ask_daemon("flows", socket_path(args), request, *timeout);
  if (!reply) return kExitInvalid;
  if (!reply->bool_at("ok")) {
    std::fprintf(stderr, "podwallctl flows: %s\n", reply->string_at("error").value_or("?").c_str());
    return kExitInvalid;
  }
  print_flows(*reply);
  return kExitOk;
}

}  // namespace podwall::cli
