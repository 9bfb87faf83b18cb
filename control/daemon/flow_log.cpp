#include "control/daemon/flow_log.h"

#include <sys/stat.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <ctime>
#include <utility>

#include "control/ctl/json.h"
#include "dataplane/conntrack/flow_record.h"
#include "dataplane/policy/explain.h"

namespace podwall {
namespace {

bool is_icmp(uint8_t ip_proto) {
  return ip_proto == ip_proto::icmp || ip_proto == ip_proto::icmpv6;
}

// RFC 3339 in UTC, to the millisecond: what log pipelines parse without being told how.
std::string utc_time(uint64_t unix_ns) {
  const std::time_t seconds = std::time_t(unix_ns / 1'000'000'000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[40];
  size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(text + n, sizeof text - n, ".%03" PRIu64 "Z", unix_ns / 1'000'000 % 1000);
  return text;
}

uint64_t unix_now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

const char* flow_event_name(DropReason reason) {
  switch (reason) {
    case DropReason::none:
      return "allowed";
    case DropReason::policy_revoked:
      return "revoked";
    default:
      return "denied";
  }
}

}  // namespace

std::string format_flow_event(const FlowEvent& event, const PolicyTables* tables,
                              const PortLabel& port) {
  const bool ported = protocol_has_ports(event.ip_proto);
  JsonObjectWriter line;
  line.add("time", utc_time(event.unix_ns))
      .add("event", flow_event_name(event.reason))
      .add("proto", ip_protocol_name(event.ip_proto))
      .add("src", event.src.to_string());
  if (ported) line.add("sport", uint64_t(event.sport));
  line.add("dst", event.dst.to_string());
  if (ported) line.add("dport", uint64_t(event.dport));
  if (is_icmp(event.ip_proto)) {
    line.add("icmp_type", uint64_t(event.icmp_type)).add("icmp_code", uint64_t(event.icmp_code));
  }
  std::string explanation;
  if (tables != nullptr) {
    const Explanation why = explain(*tables, FlowQuery{event.src, event.dst, event.ip_proto,
                                                       ported ? event.dport : uint16_t(0)});
    line.add("src_pod", address_name(*tables, why.src))
        .add("dst_pod", address_name(*tables, why.dst));
    explanation = format_explanation(*tables, why);
  }
  line.add("port", port.name);
  if (!port.iface.empty()) line.add("iface", port.iface);
  line.add("worker", uint64_t(event.worker)).add("generation", event.generation);
  if (tables != nullptr) {
    // The policy may have changed again since the worker judged the packet.
    if (tables->generation != event.generation) line.add("explained_with", tables->generation);
    line.add("explanation", explanation);
  }
  return line.str();
}

std::unique_ptr<FlowLog> FlowLog::open(const std::string& path, unsigned lines_per_second,
                                       std::string& error) {
  if (path == "-") return std::unique_ptr<FlowLog>(new FlowLog("", stdout, lines_per_second));
  std::FILE* out = std::fopen(path.c_str(), "a");
  if (out == nullptr) {
    error = "flow log " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<FlowLog>(new FlowLog(path, out, lines_per_second));
}

FlowLog::FlowLog(std::string path, std::FILE* out, unsigned lines_per_second)
    : path_(std::move(path)),
      out_(out),
      lines_per_second_(lines_per_second > 0 ? lines_per_second : 1) {}

FlowLog::~FlowLog() {
  if (!path_.empty()) std::fclose(out_);
}

void FlowLog::write_line(std::string line) {
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out_);
}

// A rotated file (renamed or removed) is no longer at the path: start a new one there. If the
// new one cannot be opened, go on writing to the old file rather than losing lines.
void FlowLog::reopen_if_rotated() {
  if (path_.empty()) return;
  struct stat at_path {};
  struct stat open_file {};
  if (::stat(path_.c_str(), &at_path) == 0 && ::fstat(fileno(out_), &open_file) == 0 &&
      at_path.st_dev == open_file.st_dev && at_path.st_ino == open_file.st_ino) {
    return;
  }
  std::FILE* fresh = std::fopen(path_.c_str(), "a");
  if (fresh == nullptr) return;
  std::fclose(out_);
  out_ = fresh;
}

void FlowLog::write(const std::vector<FlowEvent>& events, const PolicyTables* tables,
                    const PortLabeler& port_label, Clock::time_point now) {
  settle(now);
  if (events.empty()) return;
  for (const FlowEvent& event : events) {
    if (budget_ == 0) {
      ++pending_suppressed_;
      ++suppressed_;
      continue;
    }
    --budget_;
    write_line(format_flow_event(event, tables, port_label(event.in_port)));
    ++lines_;
  }
  std::fflush(out_);
}

void FlowLog::settle(Clock::time_point now, bool closing) {
  if (!closing && now - second_start_ < std::chrono::seconds(1)) return;
  reopen_if_rotated();
  // The events the second's lines leave out: {"time":...,"event":KIND,"count":N}.
  auto summary = [](const char* kind, uint64_t count) {
    return JsonObjectWriter()
        .add("time", utc_time(unix_now_ns()))
        .add("event", kind)
        .add("count", count);
  };
  if (pending_suppressed_ > 0) {
    write_line(summary("suppressed", pending_suppressed_)
                   .add("limit_per_second", uint64_t(lines_per_second_))
                   .str());
  }
  if (pending_lost_ > 0) write_line(summary("lost", pending_lost_).str());
  if (pending_suppressed_ + pending_lost_ > 0) std::fflush(out_);
  pending_suppressed_ = 0;
  pending_lost_ = 0;
  second_start_ = now;
  budget_ = lines_per_second_;
}

}  // namespace podwall
