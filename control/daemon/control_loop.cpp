#include "control/daemon/control_loop.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "control/ctl/json.h"
#include "control/daemon/signals.h"
#include "dataplane/policy/explain.h"

namespace podwall {
namespace {

using Clock = std::chrono::steady_clock;

// How long `podwallctl flows` waits for the workers' walks: a full 1 M-entry table takes about a
// thousand worker loops, milliseconds when idle and some tens under load.
constexpr std::chrono::milliseconds kFlowListingTimeout{2000};

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

uint64_t unix_ns(std::chrono::system_clock::time_point t) {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

}  // namespace

uint64_t DataplaneSink::publish(std::unique_ptr<PolicyTables> tables) {
  return dataplane_.publish(std::move(tables));
}

std::vector<uint64_t> DataplaneSink::worker_generations() const {
  std::vector<uint64_t> out;
  for (const WorkerState& w : dataplane_.workers()) out.push_back(w.generation);
  return out;
}

bool DataplaneSink::wait_all(uint64_t generation, std::chrono::milliseconds timeout) const {
  return dataplane_.wait_until_all_workers_run(generation, timeout);
}

ControlLoop::ControlLoop(Dataplane& dataplane, HotReloader& reloader, ControlLoopOptions options)
    : dataplane_(dataplane), reloader_(reloader), options_(std::move(options)), server_(*this) {}

void ControlLoop::open_socket() {
  if (options_.ctl_socket.empty()) return;
  std::string error;
  has_socket_ = server_.open(options_.ctl_socket, error);
  if (has_socket_) {
    std::fprintf(stderr, "podwall: control socket %s\n", options_.ctl_socket.c_str());
  } else {
    std::fprintf(stderr, "podwall: no control socket: %s\n", error.c_str());
  }
}

void ControlLoop::run() {
  auto next_service = Clock::now();
  auto next_stats = Clock::now() + std::chrono::seconds(options_.stats_interval);
  std::vector<pollfd> fds;
  while (stop_signal() == 0) {
    auto now = Clock::now();
    // At most 50 ms asleep: signals are flags polled here, and service() runs once a second.
    Clock::duration sleep = std::chrono::milliseconds(50);
    if (auto due = reloader_.time_until_due(now)) sleep = std::min(sleep, *due);
    if (server_.has_waits()) sleep = std::min<Clock::duration>(sleep, std::chrono::milliseconds(1));
    fds.clear();
    if (reloader_.fd() >= 0) fds.push_back(pollfd{reloader_.fd(), POLLIN, 0});
    size_t server_at = fds.size();
    if (has_socket_) server_.fill(fds);
    int timeout_ms = int(std::chrono::ceil<std::chrono::milliseconds>(sleep).count());
    int rc = ::poll(fds.data(), fds.size(), timeout_ms);
    if (rc < 0 && errno != EINTR) {
      std::perror("podwall: poll");
      break;
    }
    if (rc > 0) {
      if (server_at > 0 && (fds[0].revents & POLLIN)) reloader_.on_readable();
      if (has_socket_) server_.serve(fds.data() + server_at, fds.size() - server_at);
    }
    if (take_reload_request()) reload();
    reloader_.run_if_due(Clock::now());
    after_reload();
    drain_flow_events();
    if (has_socket_) server_.check_waits(Clock::now());

    now = Clock::now();
    if (now >= next_service) {
      dataplane_.service();
      next_service = now + std::chrono::seconds(1);
    }
    if (options_.stats_interval > 0 && now >= next_stats) {
      std::fputs(dataplane_.format_counters().c_str(), stdout);
      std::fflush(stdout);
      next_stats = now + std::chrono::seconds(options_.stats_interval);
    }
  }
}

void ControlLoop::drain_flow_events(bool closing) {
  FlowLog* log = options_.flow_log;
  if (log == nullptr) return;  // and the workers report nothing (DataplaneConfig::flow_events)
  flow_events_.clear();
  log->note_lost(dataplane_.take_flow_events(flow_events_));
  // Explained with the tables in force now: this thread is the one that publishes and frees
  // them, so they stay alive for the whole call.
  log->write(
      flow_events_, dataplane_.live_tables(),
      [this](uint16_t port) { return dataplane_.port_label(port); }, Clock::now());
  if (closing) log->settle(Clock::now(), true);
}

// Hands the reload figures to telemetry when a reload happened since the last call.
void ControlLoop::after_reload() {
  if (reloader_.attempts() == figures_for_) return;
  figures_for_ = reloader_.attempts();
  ReloadStatus s = reloader_.status();
  ReloadFigures f;
  f.reloads = s.reloads;
  f.failed_compiles = s.failed_compiles;
  f.latency_p50_ns = uint64_t(s.latency_p50.count());
  f.latency_p99_ns = uint64_t(s.latency_p99.count());
  f.work_p50_ns = uint64_t(s.work_p50.count());
  f.work_p99_ns = uint64_t(s.work_p99.count());
  f.last_ns = uint64_t(s.last_duration.count());
  f.files_in_error = s.errors.size();
  dataplane_.set_reload_figures(f);
}

uint64_t ControlLoop::reload() {
  uint64_t generation = reloader_.force_reload();
  after_reload();
  return generation;
}

uint64_t ControlLoop::generation_everywhere() {
  uint64_t lowest = dataplane_.generation();
  for (const WorkerState& w : dataplane_.workers()) lowest = std::min(lowest, w.generation);
  return lowest;
}

namespace {

std::string counters_object(const CounterSnapshot::Counters& counters) {
  JsonObjectWriter out;
  for (const auto& [name, value] : counters) out.add(name, value);
  return out.str();
}

}  // namespace

// {"ok":true,"generation":N,"totals":{...},"ports":[{"id","name","iface","driver","counters"}],
//  "workers":[{"index","lcore","generation","counters"}]}
std::string ControlLoop::stats_json() {
  const CounterSnapshot s = dataplane_.counters();
  std::string ports = "[";
  for (const CounterSnapshot::Port& p : s.ports) {
    if (ports.size() > 1) ports += ',';
    ports += JsonObjectWriter()
                 .add("id", uint64_t(p.id))
                 .add("name", p.name)
                 .add("iface", p.iface)
                 .add("driver", p.driver)
                 .add_raw("counters", counters_object(p.counters))
                 .str();
  }
  ports += "]";
  std::string workers = "[";
  for (const CounterSnapshot::Worker& w : s.workers) {
    if (workers.size() > 1) workers += ',';
    workers += JsonObjectWriter()
                   .add("index", uint64_t(w.index))
                   .add("lcore", uint64_t(w.lcore))
                   .add("generation", w.generation)
                   .add_raw("counters", counters_object(w.counters))
                   .str();
  }
  workers += "]";
  return JsonObjectWriter()
      .add("ok", true)
      .add("generation", s.generation)
      .add_raw("totals", counters_object(s.totals))
      .add_raw("ports", ports)
      .add_raw("workers", workers)
      .str();
}

void ControlLoop::start_flow_listing() {
  if (listing_under_way_) return;
  listing_ = FlowListing{};
  dataplane_.request_flow_listing(kFlowListingTimeout);
  listing_under_way_ = true;
}

bool ControlLoop::flow_listing_done() {
  if (listing_under_way_ && dataplane_.collect_flow_listing(listing_)) listing_under_way_ = false;
  return !listing_under_way_;
}

// {"ok":true,"tracked":N,"matching":M,"truncated":B,"complete":B,"flows":[{"worker","proto",
//  "src","sport","dst","dport","src_pod","dst_pod","state","expires_in_ms","generation"}]}
// tracked: live flows on every worker; matching: those the request's address and pod select
// (all without either), of which the first `limit` are listed.
std::string ControlLoop::flows_json(const FlowsRequest& request) {
  std::optional<IpAddress> only;
  if (!request.address.empty() && !(only = IpAddress::parse(request.address))) {
    return JsonObjectWriter()
        .add("ok", false)
        .add("error", "not an IP address: '" + request.address + "'")
        .str();
  }
  const FlowListing& listing = listing_;
  const PolicyTables* tables = dataplane_.live_tables();
  std::string flows = "[";
  uint64_t matching = 0;
  for (const FlowRecord& f : listing.flows) {
    if (only && f.src != *only && f.dst != *only) continue;
    // Named by the live tables (a pod that has gone since the flow opened is "external" now),
    // and only when the name selects the flow or is shown: a listing may hold 65,536 a worker.
    std::string src_pod, dst_pod;
    if (tables != nullptr && (!request.pod.empty() || matching < request.limit)) {
      src_pod = address_name(*tables, describe_address(*tables, f.src));
      dst_pod = address_name(*tables, describe_address(*tables, f.dst));
    }
    if (!request.pod.empty() && src_pod != request.pod && dst_pod != request.pod) continue;
    if (++matching > request.limit) continue;
    JsonObjectWriter flow;
    flow.add("worker", uint64_t(f.worker))
        .add("proto", ip_protocol_name(f.ip_proto))
        .add("src", f.src.to_string());
    const bool ported = protocol_has_ports(f.ip_proto);
    if (ported) flow.add("sport", uint64_t(f.sport));
    flow.add("dst", f.dst.to_string());
    if (ported) flow.add("dport", uint64_t(f.dport));
    if (tables != nullptr) flow.add("src_pod", src_pod).add("dst_pod", dst_pod);
    flow.add("state", flow_state_name(f.state))
        .add("expires_in_ms", f.expires_in_ns / 1'000'000)
        .add("generation", f.generation);
    if (flows.size() > 1) flows += ',';
    flows += flow.str();
  }
  flows += "]";
  return JsonObjectWriter()
      .add("ok", true)
      .add("tracked", listing.tracked)
      .add("matching", matching)
      .add("truncated", listing.truncated)
      .add("complete", listing.complete)
      .add_raw("flows", flows)
      .str();
}

std::string ControlLoop::status_json() {
  ReloadStatus s = reloader_.status();
  std::string workers = "[";
  for (const WorkerState& w : dataplane_.workers()) {
    if (workers.size() > 1) workers += ',';
    workers +=
        JsonObjectWriter().add("lcore", uint64_t(w.lcore)).add("generation", w.generation).str();
  }
  workers += "]";
  std::string errors = "[";
  for (const std::string& e : s.errors) {
    if (errors.size() > 1) errors += ',';
    errors += json_quote(e);
  }
  errors += "]";
  return JsonObjectWriter()
      .add("ok", true)
      .add("manifests", reloader_.loader().dir())
      .add("generation", dataplane_.generation())
      .add("live_since_unix_ns", unix_ns(dataplane_.live_since()))
      .add("all_workers", generation_everywhere())
      .add("reloads", s.reloads)
      .add("patched_reloads", s.patched)
      .add("failed_compiles", s.failed_compiles)
      .add("last_compile_error", s.last_compile_error)
      .add("last_reload_ms", ms(s.last_duration))
      .add("last_reload_unix_ns", s.reloads ? unix_ns(s.last_reload_at) : uint64_t(0))
      .add("latency_p50_ms", ms(s.latency_p50))
      .add("latency_p99_ms", ms(s.latency_p99))
      .add("work_p50_ms", ms(s.work_p50))
      .add("work_p99_ms", ms(s.work_p99))
      .add("latency_samples", uint64_t(s.samples))
      .add("files", uint64_t(s.files))
      .add("pending", s.pending)
      .add_raw("workers", workers)
      .add_raw("errors", errors)
      .str();
}

}  // namespace podwall
