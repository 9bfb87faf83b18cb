#pragma once
// What one worker counts. Plain integers written only by the owning worker; the daemon copies
// them out for telemetry and the exit summary (a torn read of a 64-bit counter cannot happen on
// the 64-bit targets we build for, and a slightly stale value is fine).

#include <cstdint>

#include "dataplane/packet/drop_reason.h"

namespace podwall {

struct WorkerCounters {
  uint64_t passed = 0;
  uint64_t dropped = 0;
  uint64_t dropped_by_reason[kDropReasonCount] = {};  // index: DropReason

  uint64_t l2_control_passed = 0;         // ARP, neighbour discovery, MLD
  uint64_t unknown_ethertype_passed = 0;  // only when the config lets them pass
  uint64_t fragments_passed = 0;          // non-first fragments of allowed datagrams
  uint64_t icmp_errors_related = 0;       // ICMP errors passed for a tracked flow

  uint64_t flows_allowed = 0;    // new flows the policy allowed and conntrack stored
  uint64_t flows_denied = 0;     // new flows the policy denied
  uint64_t flows_rechecked = 0;  // flows re-approved under a newer generation
  uint64_t flows_revoked = 0;    // flows cut because a newer generation denies them
  uint64_t flows_expired = 0;    // flows removed by timeout (lazily or by the sweep)

  // Occupancy, refreshed as the worker goes.
  uint64_t conntrack_entries = 0;
  uint64_t conntrack_capacity = 0;
  uint64_t fragment_datagrams = 0;
  uint64_t fragment_capacity = 0;

  void count_drop(DropReason reason) {
    ++dropped;
    ++dropped_by_reason[size_t(reason) < kDropReasonCount ? size_t(reason) : 0];
  }
};

}  // namespace podwall
