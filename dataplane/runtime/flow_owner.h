#pragma once
// Symmetric flow distribution: with several workers, which one owns (judges, tracks and
// forwards) the flow a frame belongs to.
//
// The owner is a hash of the flow's two IP addresses, combined so that it does not depend on
// their order: both directions of a connection land on the same worker, and so do all the
// fragments of a datagram (they share the address pair even where no ports are visible) and
// ICMP errors, which are hashed on the addresses of the packet they quote. Per-worker conntrack
// and fragment tables are therefore complete for every flow they see. Frames that carry no
// connection state (ARP, neighbour discovery, other ethertypes, malformed frames) may be
// handled by whichever worker received them.
//
// DPDK-free; any thread. The seed is per process so that remote peers cannot steer all flows
// onto one worker by choosing addresses.

#include <cstdint>

#include "dataplane/packet/parsed_packet.h"

namespace podwall {

inline constexpr unsigned kAnyWorker = ~0u;

class FlowOwner {
 public:
  FlowOwner(unsigned workers, uint64_t seed);

  // The owner of the frame's flow in [0, workers), or kAnyWorker. Reads an express frame
  // (dataplane/packet/express.h) directly and parses any other into `scratch`; never
  // allocates, throws or reads past `length`.
  unsigned owner(const uint8_t* frame, uint32_t length, ParsedPacket& scratch) const noexcept;

  // The owner of a connection between `a` and `b`, whichever is the source.
  unsigned owner_of_pair(const IpAddress& a, const IpAddress& b) const noexcept {
    return unsigned((uint64_t(uint32_t(mix(a) ^ mix(b))) * workers_) >> 32);
  }

 private:
  uint64_t mix(const IpAddress& address) const noexcept;

  unsigned workers_;
  uint64_t seed_[2];
};

}  // namespace podwall
