#pragma once
// The traffic lcores of podwall-gen: one lcore transmits and receives, or with two worker
// lcores one transmits and the other receives. The main lcore runs trials: it starts the
// lcores, prints once a second, and collects the result.
//
// Threads: Engine's public methods are for the main lcore. Counters have one writer (the
// lcore that owns them) and are read with relaxed loads; the latency histogram is handed over
// under a mutex the receiver only try-locks, so it never waits.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "dataplane/gen/latency.h"
#include "dataplane/gen/ports.h"
#include "dataplane/gen/profile.h"

namespace podwall::gen {

// Set from a signal handler: the running trial ends, the lcores return.
void request_stop() noexcept;
bool stop_requested() noexcept;

class Counter {
 public:
  void add(uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }
  void reset() noexcept { v_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Frames and bytes (with FCS), per Expect of the flow group.
struct alignas(64) Side {
  Counter packets, bytes;
  Counter by_expect[3];
  Counter foreign;  // rx only: frames without our stamp
  void reset() noexcept;
};

struct Snapshot {
  uint64_t tx = 0, tx_bytes = 0, rx = 0, rx_bytes = 0, foreign = 0;
  uint64_t tx_by[3] = {}, rx_by[3] = {};
  Snapshot operator-(const Snapshot& o) const;
  // Frames the policy should have delivered (allow and any groups) that did not arrive.
  uint64_t expected_lost() const;
  double loss_percent() const;
};

struct TrialSpec {
  const SizeMix* mix = nullptr;
  double pps = 0;  // 0: unlimited
  double seconds = 0;
  uint64_t count = 0;  // when > 0, instead of seconds
  bool report = true;  // once-a-second lines
};

struct TrialResult {
  double seconds = 0;  // transmit time
  Snapshot totals;
  LatencyHistogram latency;
};

class Engine {
 public:
  Engine(const Profile& profile, const GenPorts& ports, unsigned drain_ms);

  // Runs one trial; returns false if interrupted by a signal (the result is what was seen).
  bool run(const TrialSpec& spec, TrialResult& result);

  int tx_loop();  // lcore entry points
  int rx_loop();
  int combined_loop();

 private:
  void transmit_burst(uint64_t now);
  void receive_burst(uint64_t now);
  void publish_latency(bool force);
  Snapshot snapshot() const;
  void print_interval(double t, const Snapshot& d, double dt, const LatencyHistogram& lat) const;

  const Profile& profile_;
  GenPorts ports_;
  unsigned drain_ms_;
  uint64_t hz_;
  std::vector<uint16_t> group_schedule_;  // group index per slot, by weight

  // Set by run() before launching, read by the lcores.
  const TrialSpec* spec_ = nullptr;
  std::vector<uint16_t> size_schedule_;
  uint64_t deadline_tsc_ = 0;
  std::atomic<bool> tx_running_{false};
  std::atomic<bool> rx_running_{false};
  std::atomic<bool> tx_done_{false};

  // Transmit side state (tx lcore only).
  std::vector<uint64_t> next_instance_;
  size_t group_slot_ = 0, size_slot_ = 0;
  double next_due_ = 0;
  Side tx_;

  // Receive side (rx lcore only, except the handed-over histogram).
  Side rx_;
  LatencyHistogram rx_latency_;
  uint64_t next_publish_ = 0;
  std::mutex latency_mutex_;
  LatencyHistogram published_;  // guarded by latency_mutex_
};

}  // namespace podwall::gen
