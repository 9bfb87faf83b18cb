#pragma once
// The rings workers pass frames through when there are several of them (see flow_owner.h):
//
//   judge[from][to]  frames `from` received whose flow `to` owns; `to` judges and forwards them
//                    (mbuf->port holds the ingress port)
//   send[from][to]   frames `from` judged and wants sent on a port whose tx queue `to` owns
//                    (mbuf->port holds the egress port)
//
// One single-producer/single-consumer ring per ordered pair of workers, so no ring is ever
// shared by two writers or two readers: lock-free and cheap. With one worker there are none.
//
// Threads: create()/destroy by the control thread while no worker runs; the rings themselves
// by the two workers of the pair only.

#include <rte_ring.h>

#include <string>
#include <vector>

namespace podwall {

class Handoff {
 public:
  static constexpr unsigned kRingSize = 512;

  Handoff() = default;
  ~Handoff();  // frees the rings and any frames still in them
  Handoff(const Handoff&) = delete;
  Handoff& operator=(const Handoff&) = delete;

  bool create(unsigned workers, std::string& error);

  rte_ring* judge(unsigned from, unsigned to) const { return judge_[from * workers_ + to]; }
  rte_ring* send(unsigned from, unsigned to) const { return send_[from * workers_ + to]; }

  // Frames the rings can hold at once: the mempool must cover them.
  static unsigned capacity(unsigned workers) { return 2 * workers * (workers - 1) * kRingSize; }

 private:
  unsigned workers_ = 0;
  std::vector<rte_ring*> judge_;  // [from * workers + to]; nullptr on the diagonal
  std::vector<rte_ring*> send_;
};

}  // namespace podwall
