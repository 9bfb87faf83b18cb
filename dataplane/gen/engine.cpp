#include "dataplane/gen/engine.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <cinttypes>
#include <cstdio>
#include <numeric>
#include <thread>

#include "dataplane/gen/frame.h"

namespace podwall::gen {

namespace {

constexpr uint16_t kBurst = 32;
std::atomic<bool> g_stop{false};

// Expands weights into a schedule of slots (divided by their gcd, so 7:4:1 takes 12 slots).
template <class T>
std::vector<T> schedule(const std::vector<std::pair<T, uint32_t>>& weighted) {
  uint32_t g = 0;
  for (const auto& w : weighted) g = std::gcd(g, w.second);
  std::vector<T> out;
  // Interleave rather than run each value in a block: slot k takes every value whose share
  // is not yet used up, so a 7:4:1 IMIX alternates sizes instead of sending 7 x 64 B in a row.
  std::vector<uint32_t> left;
  for (const auto& w : weighted) left.push_back(w.second / g);
  bool any = true;
  while (any) {
    any = false;
    for (size_t i = 0; i < weighted.size(); ++i) {
      if (left[i] == 0) continue;
      out.push_back(weighted[i].first);
      --left[i];
      any = true;
    }
  }
  return out;
}

int launch_tx(void* e) {
  return static_cast<Engine*>(e)->tx_loop();
}
int launch_rx(void* e) {
  return static_cast<Engine*>(e)->rx_loop();
}
int launch_both(void* e) {
  return static_cast<Engine*>(e)->combined_loop();
}

}  // namespace

void request_stop() noexcept {
  g_stop.store(true, std::memory_order_relaxed);
}
bool stop_requested() noexcept {
  return g_stop.load(std::memory_order_relaxed);
}

void Side::reset() noexcept {
  packets.reset();
  bytes.reset();
  foreign.reset();
  for (Counter& c : by_expect) c.reset();
}

Snapshot Snapshot::operator-(const Snapshot& o) const {
  Snapshot d;
  d.tx = tx - o.tx;
  d.tx_bytes = tx_bytes - o.tx_bytes;
  d.rx = rx - o.rx;
  d.rx_bytes = rx_bytes - o.rx_bytes;
  d.foreign = foreign - o.foreign;
  for (int i = 0; i < 3; ++i) {
    d.tx_by[i] = tx_by[i] - o.tx_by[i];
    d.rx_by[i] = rx_by[i] - o.rx_by[i];
  }
  return d;
}

uint64_t Snapshot::expected_lost() const {
  uint64_t sent = tx_by[int(Expect::allow)] + tx_by[int(Expect::any)];
  uint64_t got = rx_by[int(Expect::allow)] + rx_by[int(Expect::any)];
  return sent > got ? sent - got : 0;
}

double Snapshot::loss_percent() const {
  uint64_t sent = tx_by[int(Expect::allow)] + tx_by[int(Expect::any)];
  return sent == 0 ? 0.0 : 100.0 * double(expected_lost()) / double(sent);
}

Engine::Engine(const Profile& profile, const GenPorts& ports, unsigned drain_ms)
    : profile_(profile), ports_(ports), drain_ms_(drain_ms), hz_(rte_get_tsc_hz()) {
  std::vector<std::pair<uint16_t, uint32_t>> weights;
  for (size_t i = 0; i < profile.flows.size(); ++i)
    weights.push_back({uint16_t(i), profile.flows[i].weight});
  group_schedule_ = schedule(weights);
  next_instance_.assign(profile.flows.size(), 0);
}

Snapshot Engine::snapshot() const {
  Snapshot s;
  s.tx = tx_.packets.get();
  s.tx_bytes = tx_.bytes.get();
  s.rx = rx_.packets.get();
  s.rx_bytes = rx_.bytes.get();
  s.foreign = rx_.foreign.get();
  for (int i = 0; i < 3; ++i) {
    s.tx_by[i] = tx_.by_expect[i].get();
    s.rx_by[i] = rx_.by_expect[i].get();
  }
  return s;
}

void Engine::transmit_burst(uint64_t now) {
  uint16_t n = kBurst;
  if (spec_->count > 0) {
    uint64_t left = spec_->count - tx_.packets.get();
    if (left < n) n = uint16_t(left);
  }
  if (spec_->pps > 0) {
    // Pacing: a burst leaves when the first of its frames is due; keep bursts small at low
    // rates so the spacing stays even.
    if (double(now) < next_due_) return;
    double gap = double(hz_) / spec_->pps;
    if (gap * kBurst > double(hz_) / 1e4)
      n = std::min<uint16_t>(n, 1 + uint16_t(double(hz_) / 1e4 / gap));
  }
  rte_mbuf* frames[kBurst];
  if (n == 0 || rte_pktmbuf_alloc_bulk(ports_.pool, frames, n) != 0) return;
  StampSpot spots[kBurst];
  uint8_t expects[kBurst];
  uint16_t sizes[kBurst];
  for (uint16_t i = 0; i < n; ++i) {
    uint16_t g = group_schedule_[group_slot_];
    group_slot_ = group_slot_ + 1 == group_schedule_.size() ? 0 : group_slot_ + 1;
    uint16_t size = size_schedule_[size_slot_];
    size_slot_ = size_slot_ + 1 == size_schedule_.size() ? 0 : size_slot_ + 1;
    const FlowGroup& group = profile_.flows[g];
    uint64_t k = next_instance_[g]++;
    uint64_t instances = group.instances();
    // TCP: each flow's first frame is a SYN (the only packet that opens a conntrack entry).
    bool syn = k < instances;
    uint8_t* data = rte_pktmbuf_mtod(frames[i], uint8_t*);
    size_t len = build_frame(group, g, k % instances, size, syn, data, spots[i]);
    frames[i]->data_len = uint16_t(len);
    frames[i]->pkt_len = uint32_t(len);
    expects[i] = uint8_t(group.expect);
    sizes[i] = size;
  }
  uint64_t t = rte_rdtsc();
  for (uint16_t i = 0; i < n; ++i) stamp(rte_pktmbuf_mtod(frames[i], uint8_t*), spots[i], t);
  uint16_t sent = rte_eth_tx_burst(ports_.tx, 0, frames, n);
  // Unsent frames are not counted as sent: they never left, so they are not loss either.
  for (uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(frames[i]);
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < sent; ++i) {
    bytes += sizes[i];
    tx_.by_expect[expects[i]].add();
  }
  tx_.packets.add(sent);
  tx_.bytes.add(bytes);
  if (spec_->pps > 0) next_due_ += double(sent) * double(hz_) / spec_->pps;
}

void Engine::receive_burst(uint64_t now) {
  rte_mbuf* frames[kBurst];
  uint16_t n = rte_eth_rx_burst(ports_.rx, 0, frames, kBurst);
  if (n == 0) return;
  const uint64_t t = rte_rdtsc();
  uint64_t ours = 0, bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    uint16_t group;
    uint64_t sent_tsc;
    const uint8_t* data = rte_pktmbuf_mtod(frames[i], const uint8_t*);
    uint32_t len = rte_pktmbuf_data_len(frames[i]);
    if (read_stamp(data, len, group, sent_tsc) && group < profile_.flows.size() && sent_tsc <= t) {
      ++ours;
      bytes += len + 4;
      rx_.by_expect[int(profile_.flows[group].expect)].add();
      rx_latency_.add((t - sent_tsc) * 1'000'000'000 / hz_);
    } else {
      rx_.foreign.add();
    }
    rte_pktmbuf_free(frames[i]);
  }
  rx_.packets.add(ours);
  rx_.bytes.add(bytes);
  (void)now;
}

void Engine::publish_latency(bool force) {
  uint64_t now = rte_rdtsc();
  if (!force && now < next_publish_) return;
  next_publish_ = now + hz_ / 10;
  std::unique_lock<std::mutex> lock(latency_mutex_, std::defer_lock);
  if (force) {
    lock.lock();
  } else if (!lock.try_lock()) {
    return;  // the reporter is reading; hand over next time
  }
  published_.merge(rx_latency_);
  rx_latency_.clear();
}

int Engine::tx_loop() {
  next_due_ = double(rte_rdtsc());
  while (tx_running_.load(std::memory_order_relaxed)) {
    uint64_t now = rte_rdtsc();
    if (now >= deadline_tsc_ || (spec_->count > 0 && tx_.packets.get() >= spec_->count) ||
        stop_requested())
      break;
    transmit_burst(now);
  }
  tx_done_.store(true, std::memory_order_release);
  return 0;
}

int Engine::rx_loop() {
  while (rx_running_.load(std::memory_order_acquire)) {
    receive_burst(rte_rdtsc());
    publish_latency(false);
  }
  publish_latency(true);
  return 0;
}

int Engine::combined_loop() {
  next_due_ = double(rte_rdtsc());
  bool sending = true;
  while (rx_running_.load(std::memory_order_acquire)) {
    uint64_t now = rte_rdtsc();
    if (sending) {
      if (!tx_running_.load(std::memory_order_relaxed) || now >= deadline_tsc_ ||
          (spec_->count > 0 && tx_.packets.get() >= spec_->count) || stop_requested()) {
        sending = false;
        tx_done_.store(true, std::memory_order_release);
      } else {
        transmit_burst(now);
      }
    }
    receive_burst(now);
    publish_latency(false);
  }
  publish_latency(true);
  return 0;
}

void Engine::print_interval(double t, const Snapshot& d, double dt,
                            const LatencyHistogram& lat) const {
  std::printf(
      "[%5.1fs] tx %8.3f Mpps %7.3f Gbps  rx %8.3f Mpps %7.3f Gbps  loss %6.2f%%  "
      "lat us min/p50/p99/max %.1f/%.1f/%.1f/%.1f  denied_rx %" PRIu64 "\n",
      t, double(d.tx) / dt / 1e6, double(d.tx_bytes) * 8 / dt / 1e9, double(d.rx) / dt / 1e6,
      double(d.rx_bytes) * 8 / dt / 1e9, d.loss_percent(), double(lat.min()) / 1e3,
      double(lat.percentile(0.5)) / 1e3, double(lat.percentile(0.99)) / 1e3,
      double(lat.max()) / 1e3, d.rx_by[int(Expect::deny)]);
  std::fflush(stdout);
}

bool Engine::run(const TrialSpec& spec, TrialResult& result) {
  spec_ = &spec;
  size_schedule_ = schedule(spec.mix->sizes);
  size_slot_ = group_slot_ = 0;
  std::fill(next_instance_.begin(), next_instance_.end(), 0);
  tx_.reset();
  rx_.reset();
  rx_latency_.clear();
  {
    std::lock_guard<std::mutex> lock(latency_mutex_);
    published_.clear();
  }
  result = TrialResult{};
  const uint64_t start = rte_rdtsc();
  deadline_tsc_ = spec.count > 0 ? UINT64_MAX : start + uint64_t(spec.seconds * double(hz_));
  tx_running_.store(true);
  rx_running_.store(true);
  tx_done_.store(false);

  unsigned tx_lcore = rte_get_next_lcore(-1, 1, 0);
  unsigned rx_lcore = rte_get_next_lcore(tx_lcore, 1, 0);
  if (rx_lcore < RTE_MAX_LCORE) {
    rte_eal_remote_launch(launch_rx, this, rx_lcore);
    rte_eal_remote_launch(launch_tx, this, tx_lcore);
  } else {
    rte_eal_remote_launch(launch_both, this, tx_lcore);
  }

  Snapshot last{};
  uint64_t last_tsc = start;
  while (!tx_done_.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    uint64_t now = rte_rdtsc();
    if (now - last_tsc < hz_) continue;
    Snapshot s = snapshot();
    LatencyHistogram interval;
    {
      std::lock_guard<std::mutex> lock(latency_mutex_);
      interval = published_;
      result.latency.merge(published_);
      published_.clear();
    }
    if (spec.report)
      print_interval(double(now - start) / double(hz_), s - last,
                     double(now - last_tsc) / double(hz_), interval);
    last = s;
    last_tsc = now;
  }
  result.seconds = double(rte_rdtsc() - start) / double(hz_);
  // Frames still in flight (rings, the firewall) arrive within the drain time.
  std::this_thread::sleep_for(std::chrono::milliseconds(drain_ms_));
  tx_running_.store(false);
  rx_running_.store(false, std::memory_order_release);
  rte_eal_mp_wait_lcore();
  result.latency.merge(published_);
  published_.clear();
  result.totals = snapshot();
  return !stop_requested();
}

}  // namespace podwall::gen
