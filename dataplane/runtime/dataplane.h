#pragma once
// The DPDK dataplane behind a DPDK-free facade: control/daemon (which must not see DPDK headers)
// starts, feeds and stops the bridge through this class only.
//
// Life cycle, all on the main thread (EAL's main lcore, which is the control thread):
//   1. Dataplane::init_eal(argc, argv)    rte_eal_init; returns how many arguments EAL consumed
//   2. dataplane->start(config)            mempool, ports, workers; workers forward NOTHING yet
//   3. dataplane->publish(tables)          generation 1 goes live; from now on traffic flows
//   4. publish(...) again at any time      hot reload (issue 4): the old generation is freed
//                                          after an RCU grace period
//   5. destroy the object                  stops workers and ports, frees everything, and calls
//                                          rte_eal_cleanup
//
// Threads: every method is for the control thread(s) only; none may be called from a worker.
// publish() may block for a grace period (microseconds while workers poll) and is serialised
// internally, so a directory watcher and a control socket may both call it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/conntrack/flow_record.h"
#include "dataplane/runtime/flow_event.h"

namespace podwall {

class PolicyTables;

// What happens to established connections when a new generation is published.
enum class EstablishedPolicy : uint8_t {
  recheck,  // the next packet of every flow is classified again: revoking access cuts it
  keep,     // flows approved by an older generation keep flowing
};

struct DataplaneConfig {
  EstablishedPolicy established = EstablishedPolicy::recheck;
  uint32_t conntrack_capacity = 1u << 20;  // flows per worker
  bool pass_unknown_ethertypes = false;    // default: not ARP/IPv4/IPv6 (or VLAN of those) drops
  uint32_t mtu = 9000;                     // wanted; each port gets the most it allows up to this
  uint16_t rx_descriptors = 1024;
  uint16_t tx_descriptors = 1024;
  uint32_t mac_table_entries = 1u << 14;  // per worker, rounded up to a power of two
  uint32_t mac_ageing_seconds = 300;
  // Workers report denied and revoked connections for take_flow_events() (the flow log), and
  // with flow_events_allowed every connection the policy allows too.
  bool flow_events = false;
  bool flow_events_allowed = false;
};

// What the control side measures about hot reloads (issue 4), handed over as plain numbers so
// that /podwall/reload can show them; the dataplane only stores and reports them.
struct ReloadFigures {
  uint64_t reloads = 0;          // generations published by the hot reloader
  uint64_t failed_compiles = 0;  // compiles that threw; the live generation stayed
  uint64_t latency_p50_ns = 0;   // change seen -> every worker on the new generation
  uint64_t latency_p99_ns = 0;
  uint64_t work_p50_ns = 0;  // end of debounce -> every worker on the new generation
  uint64_t work_p99_ns = 0;
  uint64_t last_ns = 0;  // the last reload's duration
  uint64_t files_in_error = 0;
};

// A copy of every counter, for the control socket (`podwallctl stats`). Counter lists are
// (name, value) in the order the final report prints them; drop reasons as drop_<reason>.
struct CounterSnapshot {
  using Counters = std::vector<std::pair<std::string, uint64_t>>;
  struct Port {
    uint16_t id = 0;
    std::string name;
    std::string iface;  // the kernel interface behind the port, or ""
    std::string driver;
    Counters counters;  // rx_packets .. flooded, dropped, then drop_<reason> (pipeline only)
  };
  struct Worker {
    unsigned index = 0;
    unsigned lcore = 0;
    uint64_t generation = 0;
    Counters counters;  // the totals' names, this worker's share, and loops
  };
  uint64_t generation = 0;
  Counters totals;
  std::vector<Port> ports;
  std::vector<Worker> workers;
};

// The connections the workers track, as `podwallctl flows` lists them.
struct FlowListing {
  std::vector<FlowRecord> flows;  // by worker, each in its table's order
  uint64_t tracked = 0;           // live flows the workers met while walking, in all
  bool truncated = false;         // a worker met more than it could list (Worker::kMaxListedFlows)
  bool complete = true;  // false: some worker did not finish in time; its flows are missing
};

// The generation a worker last ran a burst with (0: none yet).
struct WorkerState {
  unsigned lcore = 0;
  uint64_t generation = 0;
};

class Dataplane {
 public:
  // Main thread, once, first. Initialises EAL with argv (the part before "--"). On success
  // returns the dataplane object and sets `consumed` to the number of arguments EAL used, so
  // the caller parses argv + consumed as its own options (argv[consumed] is "--" or the
  // first application option). On failure returns nullptr and a message in `error`.
  static std::unique_ptr<Dataplane> init_eal(int argc, char** argv, int& consumed,
                                             std::string& error);

  ~Dataplane();  // stop(), free ports, mempool, generations, then rte_eal_cleanup()
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  // Control thread, once. Sets up the mempool and every port EAL probed, starts one worker on
  // each worker lcore. Workers drop everything (counted as `not_ready`) until the first
  // publish(). Returns false with a message when the environment does not allow it.
  bool start(const DataplaneConfig& config, std::string& error);

  // Control thread, any time after start(). Stamps the tables with the next generation number,
  // makes them visible to every worker (release store), waits for an RCU grace period and
  // retires the previous generation, which reclaim() (or the next publish) frees. Returns the
  // new generation. Blocks for the grace period; never call it from a worker.
  uint64_t publish(std::unique_ptr<PolicyTables> tables);
  void reclaim();

  // The generation most recently published (0: none).
  uint64_t generation() const;

  // When that generation became visible to the workers, and how long the grace period that
  // freed its predecessor took. Any thread.
  std::chrono::system_clock::time_point live_since() const;
  std::chrono::nanoseconds last_grace_period() const;

  // The generation each worker last ran, read racily but tear-free (atomics).
  std::vector<WorkerState> workers() const;

  // Control thread. Returns true once every running worker has run a burst with `generation`
  // or a later one; false when `timeout` passes first.
  bool wait_until_all_workers_run(uint64_t generation, std::chrono::milliseconds timeout) const;

  // Control thread, after each reload: the figures /podwall/reload reports. Never blocks long
  // (a mutex the telemetry thread holds for microseconds).
  void set_reload_figures(const ReloadFigures& figures);

  // Control thread, about once a second: housekeeping that is not per packet (logs link state
  // changes). Never blocks.
  void service();

  // Control thread. Moves the flow events every worker reported since the last call into `out`
  // (appended; each worker's in order), with unix_ns filled in. Returns how many events the
  // workers could not report since the last call because their queues were full
  // (flow_events_lost). Never blocks a worker.
  uint64_t take_flow_events(std::vector<FlowEvent>& out);

  // Control thread. Lists the connections every running worker tracks, without waiting for
  // them: request_flow_listing() asks each to walk its table, a slice per loop, forwarding all
  // along (a full 1 M-entry table takes about a thousand loops; a listing under way is given
  // up). collect_flow_listing() returns false while some worker is still walking and
  // `timeout` has not passed; then true, with the listing in `out` (a worker that did not
  // answer in time is left out, and `out.complete` is false). Without a request it returns
  // true with an empty, incomplete listing.
  void request_flow_listing(std::chrono::milliseconds timeout);
  bool collect_flow_listing(FlowListing& out);

  // Control thread: the live generation's tables, to explain flow events with; nullptr before
  // the first publish(). Valid until this thread next calls publish() or reclaim().
  const PolicyTables* live_tables() const;

  // The name EAL gave a port (e.g. net_af_packet0; "port N" for one not in the bridge) and the
  // kernel interface behind it, if any.
  PortLabel port_label(uint16_t port) const;

  // Counters as human-readable text (what the daemon prints periodically and at exit).
  std::string format_counters() const;
  // The same counters as data, read tear-free while the workers run (see counters.h).
  CounterSnapshot counters() const;

  // Control thread. Stops the workers (they go offline for RCU) and the ports. Idempotent; the
  // destructor calls it.
  void stop();

  struct Impl;

 private:
  explicit Dataplane(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace podwall
