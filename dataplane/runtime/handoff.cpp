#include "dataplane/runtime/handoff.h"

#include <rte_errno.h>
#include <rte_mbuf.h>

namespace podwall {

namespace {

void free_ring(rte_ring* ring) {
  if (ring == nullptr) return;
  void* frame = nullptr;
  while (rte_ring_sc_dequeue(ring, &frame) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(frame));
  rte_ring_free(ring);
}

}  // namespace

bool Handoff::create(unsigned workers, std::string& error) {
  workers_ = workers;
  judge_.assign(size_t(workers) * workers, nullptr);
  send_.assign(size_t(workers) * workers, nullptr);
  for (unsigned from = 0; from < workers; ++from) {
    for (unsigned to = 0; to < workers; ++to) {
      if (from == to) continue;
      for (int kind = 0; kind < 2; ++kind) {
        std::string name = std::string(kind == 0 ? "pw_judge_" : "pw_send_") +
                           std::to_string(from) + "_" + std::to_string(to);
        rte_ring* ring =
            rte_ring_create(name.c_str(), kRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (ring == nullptr) {
          error = "cannot create ring " + name + ": " + rte_strerror(rte_errno);
          return false;
        }
        (kind == 0 ? judge_ : send_)[from * workers + to] = ring;
      }
    }
  }
  return true;
}

Handoff::~Handoff() {
  for (rte_ring* r : judge_) free_ring(r);
  for (rte_ring* r : send_) free_ring(r);
}

}  // namespace podwall
