#include "dataplane/runtime/flow_owner.h"

#include <cstring>

#include "dataplane/packet/express.h"
#include "dataplane/packet/parse.h"

namespace podwall {

FlowOwner::FlowOwner(unsigned workers, uint64_t seed) : workers_(workers ? workers : 1) {
  // Two odd multipliers derived from the seed; odd keeps the multiplication a bijection.
  seed_[0] = (seed * 0x9e3779b97f4a7c15ull) | 1;
  seed_[1] = ((seed ^ 0xd6e8feb86659fd93ull) * 0xc2b2ae3d27d4eb4full) | 1;
}

uint64_t FlowOwner::mix(const IpAddress& address) const noexcept {
  uint64_t w[2];
  std::memcpy(w, address.bytes.data(), sizeof w);
  unsigned __int128 p = static_cast<unsigned __int128>(w[0] ^ seed_[1]) * seed_[0];
  uint64_t h = uint64_t(p) ^ uint64_t(p >> 64);
  p = static_cast<unsigned __int128>(h ^ w[1]) * seed_[1];
  h = uint64_t(p) ^ uint64_t(p >> 64);
  return h ^ (h >> 29);
}

unsigned FlowOwner::owner(const uint8_t* frame, uint32_t length,
                          ParsedPacket& scratch) const noexcept {
  if (workers_ == 1) return 0;
  // Most frames are segments of open connections: their addresses without a whole parse.
  ExpressPacket fast;
  if (read_express(frame, length, fast)) {
    IpAddress src, dst;
    std::memcpy(src.bytes.data(), fast.src, 4);
    std::memcpy(dst.bytes.data(), fast.dst, 4);
    return owner_of_pair(src, dst);
  }
  if (parse_packet(frame, length, scratch) != DropReason::none) return kAnyWorker;
  if (!scratch.is_ip() || scratch.l2_control) return kAnyWorker;
  // An ICMP error belongs to the flow of the packet it quotes.
  if (scratch.tuple.icmp_kind == IcmpKind::error && scratch.has_inner)
    return owner_of_pair(scratch.inner.src, scratch.inner.dst);
  return owner_of_pair(scratch.tuple.src, scratch.tuple.dst);
}

}  // namespace podwall
