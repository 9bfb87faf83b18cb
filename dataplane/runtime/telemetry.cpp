#include "dataplane/runtime/telemetry.h"

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>

#include "dataplane/runtime/log.h"

namespace podwall {

namespace {

std::mutex g_mutex;
const Dataplane::Impl* g_impl = nullptr;  // guarded by g_mutex

// Parses "N" from the command's parameter; false if absent or not a number.
bool parse_index(const char* params, unsigned long& out) {
  if (params == nullptr || *params == '\0') return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtoul(params, &end, 10);
  return errno == 0 && end != params && *end == '\0';
}

int cmd_stats(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_impl == nullptr) return -ENODEV;
  Totals t = g_impl->totals();
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "generation", g_impl->publisher->generation());
  rte_tel_data_add_dict_u64(d, "ports", g_impl->ports.size());
  rte_tel_data_add_dict_u64(d, "workers", g_impl->workers.size());
  for_each_total(
      t, [d](const char* name, uint64_t value) { rte_tel_data_add_dict_u64(d, name, value); });
  return 0;
}

int cmd_ports(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_impl == nullptr) return -ENODEV;
  rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
  for (const PortPlan& p : g_impl->ports) rte_tel_data_add_array_int(d, p.port_id);
  return 0;
}

int cmd_port(const char*, const char* params, rte_tel_data* d) {
  unsigned long id = 0;
  if (!parse_index(params, id)) return -EINVAL;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_impl == nullptr) return -ENODEV;
  const PortPlan* plan = nullptr;
  for (const PortPlan& p : g_impl->ports)
    if (p.port_id == id) plan = &p;
  if (plan == nullptr) return -EINVAL;
  Totals t = g_impl->totals();
  PortTotals pt = id < t.port.size() ? t.port[id] : PortTotals{};
  rte_eth_link link{};
  bool link_known = rte_eth_link_get_nowait(plan->port_id, &link) == 0;
  rte_eth_stats hw{};
  bool hw_known = rte_eth_stats_get(plan->port_id, &hw) == 0;
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "port_id", plan->port_id);
  rte_tel_data_add_dict_string(d, "name", plan->name.c_str());
  rte_tel_data_add_dict_string(d, "iface", plan->iface.c_str());
  rte_tel_data_add_dict_string(d, "driver", plan->driver.c_str());
  rte_tel_data_add_dict_u64(d, "mtu", plan->mtu);
  rte_tel_data_add_dict_u64(d, "queues", plan->queues);
  rte_tel_data_add_dict_string(d, "link",
                               !link_known                           ? "unknown"
                               : link.link_status == RTE_ETH_LINK_UP ? "up"
                                                                     : "down");
  rte_tel_data_add_dict_u64(d, "rx_packets", pt.rx_packets);
  rte_tel_data_add_dict_u64(d, "rx_bytes", pt.rx_bytes);
  rte_tel_data_add_dict_u64(d, "tx_packets", pt.tx_packets);
  rte_tel_data_add_dict_u64(d, "tx_bytes", pt.tx_bytes);
  rte_tel_data_add_dict_u64(d, "tx_full", pt.tx_full);
  rte_tel_data_add_dict_u64(d, "flooded", pt.flooded);
  rte_tel_data_add_dict_u64(d, "dropped", pt.dropped());
  for_each_port_drop(
      pt, [d](const char* name, uint64_t value) { rte_tel_data_add_dict_u64(d, name, value); });
  if (hw_known) {
    // What the PMD saw below us: frames lost before podwall could poll them.
    rte_tel_data_add_dict_u64(d, "pmd_imissed", hw.imissed);
    rte_tel_data_add_dict_u64(d, "pmd_ierrors", hw.ierrors);
    rte_tel_data_add_dict_u64(d, "pmd_oerrors", hw.oerrors);
    rte_tel_data_add_dict_u64(d, "pmd_rx_nombuf", hw.rx_nombuf);
  }
  return 0;
}

int cmd_workers(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_impl == nullptr) return -ENODEV;
  rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
  for (const auto& w : g_impl->workers) rte_tel_data_add_array_int(d, int(w->index()));
  return 0;
}

int cmd_worker(const char*, const char* params, rte_tel_data* d) {
  unsigned long index = 0;
  if (!parse_index(params, index)) return -EINVAL;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_impl == nullptr) return -ENODEV;
  if (index >= g_impl->workers.size()) return -EINVAL;
  const Worker& w = *g_impl->workers[index];
  Totals t;
  accumulate(w.counters(), t);
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "index", w.index());
  rte_tel_data_add_dict_u64(d, "lcore", w.lcore());
  rte_tel_data_add_dict_u64(d, "generation", w.generation());
  rte_tel_data_add_dict_u64(d, "polling", w.polling() ? 1 : 0);
  rte_tel_data_add_dict_u64(d, "loops", t.loops);
  for_each_total(
      t, [d](const char* name, uint64_t value) { rte_tel_data_add_dict_u64(d, name, value); });
  return 0;
}

int cmd_generation(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_impl == nullptr) return -ENODEV;
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "published", g_impl->publisher->generation());
  rte_tel_data_add_dict_u64(d, "live_since_unix_ns", g_impl->publisher->live_since_unix_ns());
  rte_tel_data_add_dict_u64(d, "last_grace_ns", g_impl->publisher->last_grace_ns());
  uint64_t oldest = UINT64_MAX;
  for (const auto& w : g_impl->workers) {
    std::string key = "worker_" + std::to_string(w->index());
    rte_tel_data_add_dict_u64(d, key.c_str(), w->generation());
    if (w->polling() && w->generation() < oldest) oldest = w->generation();
  }
  // The generation every polling worker runs at least: what `podwallctl wait` compares with.
  rte_tel_data_add_dict_u64(d, "all_workers",
                            oldest == UINT64_MAX ? g_impl->publisher->generation() : oldest);
  return 0;
}

// Hot reload figures, measured by the control side (control/watch) and handed over as numbers.
int cmd_reload(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_impl == nullptr) return -ENODEV;
  ReloadFigures r;
  {
    std::lock_guard<std::mutex> figures(g_impl->reload_mutex);
    r = g_impl->reload;
  }
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "generation", g_impl->publisher->generation());
  rte_tel_data_add_dict_u64(d, "reloads", r.reloads);
  rte_tel_data_add_dict_u64(d, "failed_compiles", r.failed_compiles);
  rte_tel_data_add_dict_u64(d, "latency_p50_ns", r.latency_p50_ns);
  rte_tel_data_add_dict_u64(d, "latency_p99_ns", r.latency_p99_ns);
  rte_tel_data_add_dict_u64(d, "work_p50_ns", r.work_p50_ns);
  rte_tel_data_add_dict_u64(d, "work_p99_ns", r.work_p99_ns);
  rte_tel_data_add_dict_u64(d, "last_reload_ns", r.last_ns);
  rte_tel_data_add_dict_u64(d, "files_in_error", r.files_in_error);
  return 0;
}

}  // namespace

void register_telemetry() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct Command {
      const char* name;
      telemetry_cb fn;
      const char* help;
    };
    const Command commands[] = {
        {"/podwall/stats", cmd_stats,
         "podwall totals: packets, drops by reason, flows, conntrack. No parameters."},
        {"/podwall/ports", cmd_ports, "The bridge's DPDK port ids. No parameters."},
        {"/podwall/port", cmd_port, "One bridge port's state and counters. Parameter: port id."},
        {"/podwall/workers", cmd_workers, "The worker indexes. No parameters."},
        {"/podwall/worker", cmd_worker, "One worker's state and counters. Parameter: index."},
        {"/podwall/generation", cmd_generation,
         "Published policy generation and the one each worker runs. No parameters."},
        {"/podwall/reload", cmd_reload,
         "Hot reload: generation, reload count, latency p50/p99 (ns). No parameters."},
    };
    for (const Command& c : commands) {
      if (rte_telemetry_register_cmd(c.name, c.fn, c.help) != 0)
        PW_LOG(telemetry, WARNING, "cannot register %s\n", c.name);
    }
  });
}

void telemetry_attach(const Dataplane::Impl* impl) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_impl = impl;
}

void telemetry_detach() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_impl = nullptr;
}

}  // namespace podwall
