// The Dataplane facade: EAL, ports, mempool, workers and publishing, wired together.
#include "dataplane/runtime/dataplane.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_random.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "dataplane/runtime/dataplane_impl.h"
#include "dataplane/runtime/log.h"
#include "dataplane/runtime/mempool.h"
#include "dataplane/runtime/telemetry.h"

namespace podwall {

// Flow events move from a worker's queue in batches of this many.
constexpr size_t kFlowEventBatch = 256;

Dataplane::Dataplane(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Dataplane> Dataplane::init_eal(int argc, char** argv, int& consumed,
                                               std::string& error) {
  int rc = rte_eal_init(argc, argv);
  if (rc < 0) {
    error = std::string("EAL initialisation failed: ") +
            (rte_errno != 0 ? rte_strerror(rte_errno) : "see EAL's messages above");
    return nullptr;
  }
  consumed = rc;
  register_log_types();
  register_telemetry();
  return std::unique_ptr<Dataplane>(new Dataplane(std::make_unique<Impl>()));
}

bool Dataplane::start(const DataplaneConfig& config, std::string& error) {
  Impl& d = *impl_;
  if (d.started) {
    error = "dataplane already started";
    return false;
  }
  d.config = config;

  std::vector<unsigned> lcores;
  unsigned lcore = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) lcores.push_back(lcore);
  if (lcores.empty()) {
    error = "no worker lcore: give EAL at least two, e.g. -l 0,1 (main = control, rest = workers)";
    return false;
  }
  uint16_t port_id = 0;
  uint16_t max_port = 0;
  RTE_ETH_FOREACH_DEV(port_id) {
    PortPlan plan;
    if (!plan_port(port_id, uint16_t(lcores.size()), config.rx_descriptors, config.tx_descriptors,
                   config.mtu, plan, error))
      return false;
    d.ports.push_back(plan);
    max_port = std::max(max_port, port_id);
  }
  if (d.ports.empty()) {
    error = "no ports: add DPDK ports with --vdev (net_af_packet0,iface=..., net_tap0, ...)";
    return false;
  }
  if (d.ports.size() == 1)
    PW_LOG(control, WARNING, "only one port: the bridge has nowhere to forward\n");

  const unsigned workers = unsigned(lcores.size());
  if (workers > 1) {
    d.handoff = std::make_unique<Handoff>();
    if (!d.handoff->create(workers, error)) return false;
  }
  // The hand-off rings need not be backed in full: they only fill when a worker falls behind,
  // and then rx running short of mbufs (rx_nombuf) is the right back-pressure.
  unsigned in_rings = workers > 1 ? std::min(Handoff::capacity(workers), 8192u) : 0;
  MempoolSize size = size_mempool(d.ports, workers, in_rings);
  d.pool = create_mempool(size, int(rte_socket_id()));
  if (d.pool == nullptr) {
    error = "cannot create a mempool of " + std::to_string(size.mbufs) + " mbufs of " +
            std::to_string(size.data_room) + " bytes: " + rte_strerror(rte_errno) +
            " (raise EAL's -m)";
    return false;
  }
  PW_LOG(control, INFO, "mempool: %u mbufs of %u bytes\n", size.mbufs, size.data_room);

  for (PortPlan& plan : d.ports) {
    d.ports_to_close.push_back(plan.port_id);
    if (!start_port(plan, d.pool, error)) return false;
    d.ports_started.push_back(plan.port_id);
    d.link_up.push_back(log_link_state(plan.port_id));
  }

  d.publisher = std::make_unique<Publisher>(workers);
  if (!d.publisher->ok()) {
    error = "cannot allocate the RCU state";
    return false;
  }
  std::vector<uint16_t> all_ports;
  std::vector<PortQueues> queues;
  for (const PortPlan& p : d.ports) {
    all_ports.push_back(p.port_id);
    queues.push_back(PortQueues{p.port_id, p.queues});
  }
  std::vector<WorkerLayout> layout = lay_out_workers(workers, queues, max_port);
  const uint64_t owner_seed = rte_rand();
  for (unsigned i = 0; i < workers; ++i) {
    WorkerSetup setup;
    setup.index = i;
    setup.lcore = lcores[i];
    setup.workers = workers;
    setup.rx = std::move(layout[i].rx);
    setup.tx = std::move(layout[i].tx);
    setup.ports = all_ports;
    setup.max_port_id = max_port;
    setup.pool = d.pool;
    setup.publisher = d.publisher.get();
    setup.handoff = d.handoff.get();
    setup.owner_seed = owner_seed;
    d.workers.push_back(std::make_unique<Worker>(setup, config));
    d.publisher->register_worker(i);
  }
  telemetry_attach(&d);
  d.clock_tsc = rte_rdtsc();
  d.clock_unix_ns = uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
  for (auto& w : d.workers) {
    int rc = rte_eal_remote_launch(&Worker::launch_entry, w.get(), w->lcore());
    if (rc != 0) {
      error = "cannot launch worker on lcore " + std::to_string(w->lcore());
      d.launched.push_back(false);
      return false;
    }
    d.launched.push_back(true);
  }
  d.started = true;
  return true;
}

uint64_t Dataplane::publish(std::unique_ptr<PolicyTables> tables) {
  return impl_->publisher->publish(std::move(tables));
}

void Dataplane::reclaim() {
  if (impl_->publisher) impl_->publisher->reclaim();
}

uint64_t Dataplane::generation() const {
  return impl_->publisher ? impl_->publisher->generation() : 0;
}

std::chrono::system_clock::time_point Dataplane::live_since() const {
  uint64_t ns = impl_->publisher ? impl_->publisher->live_since_unix_ns() : 0;
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(ns)));
}

std::chrono::nanoseconds Dataplane::last_grace_period() const {
  return std::chrono::nanoseconds(impl_->publisher ? impl_->publisher->last_grace_ns() : 0);
}

std::vector<WorkerState> Dataplane::workers() const {
  std::vector<WorkerState> states;
  for (const auto& w : impl_->workers) states.push_back(WorkerState{w->lcore(), w->generation()});
  return states;
}

bool Dataplane::wait_until_all_workers_run(uint64_t generation,
                                           std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool all = true;
    for (const auto& w : impl_->workers)
      if (w->polling() && w->generation() < generation) all = false;
    if (all) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void Dataplane::set_reload_figures(const ReloadFigures& figures) {
  std::lock_guard<std::mutex> lock(impl_->reload_mutex);
  impl_->reload = figures;
}

void Dataplane::service() {
  Impl& d = *impl_;
  for (size_t i = 0; i < d.ports.size(); ++i) {
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(d.ports[i].port_id, &link) != 0) continue;
    bool up = link.link_status == RTE_ETH_LINK_UP;
    if (up != d.link_up[i]) {
      d.link_up[i] = up;
      log_link_state(d.ports[i].port_id);
    }
  }
}

uint64_t Dataplane::take_flow_events(std::vector<FlowEvent>& out) {
  Impl& d = *impl_;
  const uint64_t hz = rte_get_tsc_hz();
  uint64_t lost = 0;
  for (const auto& w : d.workers) lost += w->counters().flow_events_lost.get();
  for (auto& w : d.workers) {
    for (;;) {
      const size_t first = out.size();
      out.resize(first + kFlowEventBatch);
      const size_t n = w->take_flow_events(out.data() + first, kFlowEventBatch);
      out.resize(first + n);
      for (size_t i = first; i < out.size(); ++i) {
        const __int128 ticks = __int128(out[i].tsc) - __int128(d.clock_tsc);
        out[i].unix_ns = uint64_t(__int128(d.clock_unix_ns) + ticks * 1'000'000'000 / hz);
      }
      if (n < kFlowEventBatch) break;
    }
  }
  const uint64_t newly_lost = lost - d.flow_events_lost_taken;
  d.flow_events_lost_taken = lost;
  return newly_lost;
}

void Dataplane::request_flow_listing(std::chrono::milliseconds timeout) {
  Impl& d = *impl_;
  d.listing_asked.clear();
  for (auto& w : d.workers) {
    if (w->polling()) d.listing_asked.emplace_back(w.get(), w->request_flow_listing());
  }
  d.listing_deadline = std::chrono::steady_clock::now() + timeout;
}

bool Dataplane::collect_flow_listing(FlowListing& out) {
  Impl& d = *impl_;
  out = FlowListing{};
  if (d.listing_asked.empty()) {
    out.complete = false;
    return true;
  }
  const FlowRecord* records = nullptr;
  uint32_t listed = 0;
  uint64_t live = 0;
  if (std::chrono::steady_clock::now() < d.listing_deadline) {
    for (const auto& [worker, ticket] : d.listing_asked) {
      if (!worker->flow_listing(ticket, records, listed, live)) return false;
    }
  }
  for (const auto& [worker, ticket] : d.listing_asked) {
    if (!worker->flow_listing(ticket, records, listed, live)) {
      out.complete = false;
      continue;
    }
    for (uint32_t i = 0; i < listed; ++i) {
      out.flows.push_back(records[i]);
      out.flows.back().worker = uint16_t(worker->index());
    }
    out.tracked += live;
    out.truncated |= live > listed;
  }
  out.complete &= d.listing_asked.size() == d.workers.size();
  d.listing_asked.clear();
  return true;
}

const PolicyTables* Dataplane::live_tables() const {
  return impl_->publisher ? impl_->publisher->current() : nullptr;
}

PortLabel Dataplane::port_label(uint16_t port) const {
  for (const PortPlan& p : impl_->ports)
    if (p.port_id == port) return {p.name, p.iface};
  return {"port " + std::to_string(port), ""};
}

std::string Dataplane::format_counters() const {
  const Impl& d = *impl_;
  Totals t = d.totals();
  std::string out = "counters: generation=" + std::to_string(generation());
  // Every total on one line of name=value pairs: easy to grep, and drop reasons that stayed
  // at zero are shown too, so a script can tell "zero" from "not counted".
  for_each_total(t, [&out](const char* name, uint64_t value) {
    out += ' ';
    out += name;
    out += '=';
    out += std::to_string(value);
  });
  out += '\n';
  char line[256];
  for (const PortPlan& p : d.ports) {
    PortTotals pt = p.port_id < t.port.size() ? t.port[p.port_id] : PortTotals{};
    const std::string iface = p.iface.empty() ? "" : " (" + p.iface + ")";
    std::snprintf(line, sizeof(line),
                  "  port %u %s%s: rx=%" PRIu64 " rx_bytes=%" PRIu64 " tx=%" PRIu64
                  " tx_bytes=%" PRIu64 " tx_full=%" PRIu64 " flooded=%" PRIu64 " dropped=%" PRIu64
                  "\n",
                  p.port_id, p.name.c_str(), iface.c_str(), pt.rx_packets, pt.rx_bytes,
                  pt.tx_packets, pt.tx_bytes, pt.tx_full, pt.flooded, pt.dropped());
    out += line;
  }
  for (const auto& w : d.workers) {
    std::snprintf(line, sizeof(line), "  worker %u lcore %u: generation=%" PRIu64 " loops=%" PRIu64,
                  w->index(), w->lcore(), w->generation(), w->counters().loops.get());
    out += line;
    // The MAC table belongs to the worker: read it only once the worker has stopped.
    if (!w->polling()) out += " mac_entries=" + std::to_string(w->mac_entries());
    out += '\n';
  }
  return out;
}

CounterSnapshot Dataplane::counters() const {
  const Impl& d = *impl_;
  const Totals t = d.totals();
  CounterSnapshot s;
  s.generation = generation();
  auto into = [](CounterSnapshot::Counters& out) {
    return [&out](const char* name, uint64_t value) { out.emplace_back(name, value); };
  };
  for_each_total(t, into(s.totals));
  for (const PortPlan& p : d.ports) {
    const PortTotals pt = p.port_id < t.port.size() ? t.port[p.port_id] : PortTotals{};
    CounterSnapshot::Port port{p.port_id,
                               p.name,
                               p.iface,
                               p.driver,
                               {{"rx_packets", pt.rx_packets},
                                {"rx_bytes", pt.rx_bytes},
                                {"tx_packets", pt.tx_packets},
                                {"tx_bytes", pt.tx_bytes},
                                {"tx_full", pt.tx_full},
                                {"flooded", pt.flooded},
                                {"dropped", pt.dropped()}}};
    for_each_port_drop(pt, into(port.counters));
    s.ports.push_back(std::move(port));
  }
  for (const auto& w : d.workers) {
    Totals own;
    accumulate(w->counters(), own);
    CounterSnapshot::Worker out{w->index(), w->lcore(), w->generation(), {}};
    for_each_total(own, into(out.counters));
    out.counters.emplace_back("loops", own.loops);
    s.workers.push_back(std::move(out));
  }
  return s;
}

void Dataplane::stop() {
  Impl& d = *impl_;
  if (d.stopped) return;
  d.stopped = true;
  for (auto& w : d.workers) w->request_stop();
  for (size_t i = 0; i < d.workers.size(); ++i) {
    if (i < d.launched.size() && d.launched[i]) rte_eal_wait_lcore(d.workers[i]->lcore());
    if (d.publisher) d.publisher->unregister_worker(d.workers[i]->index());
  }
  for (uint16_t port : d.ports_started) stop_port(port);
}

Dataplane::~Dataplane() {
  stop();
  telemetry_detach();
  Impl& d = *impl_;
  d.workers.clear();
  d.publisher.reset();  // frees the live generation
  d.handoff.reset();    // frames still in the rings go back to the pool before it is freed
  for (uint16_t port : d.ports_to_close) close_port(port);
  if (d.pool != nullptr) {
    // Every frame should be back by now: anything else is a leak in the worker or a PMD.
    unsigned in_use = rte_mempool_in_use_count(d.pool);
    if (in_use == 0) {
      PW_LOG(control, INFO, "mempool: all %u mbufs returned\n", d.pool->size);
    } else {
      PW_LOG(control, WARNING, "mempool: %u of %u mbufs not returned\n", in_use, d.pool->size);
    }
  }
  rte_mempool_free(d.pool);
  impl_.reset();
  rte_eal_cleanup();
}

}  // namespace podwall
