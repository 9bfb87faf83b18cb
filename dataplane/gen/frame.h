#pragma once
// Frames of a profile's flows, and the stamp that lets the receiver tell which group a frame
// belongs to and when it left. DPDK-free (plain bytes), so it is unit-tested without EAL.
//
// The stamp: the group index in the IPv4 identification (0x8000 | group) or the IPv6 flow label
// (0x80000 | group), which podwall does not rewrite; the transmit TSC (8 bytes) in the TCP
// sequence and acknowledgement numbers, or in the first 8 payload bytes of UDP and ICMP. That
// fits a 64 B frame whatever the protocol, and checksums are patched incrementally (RFC 1624)
// so stamping costs the same at 64 B and at 9000 B.

#include <cstddef>
#include <cstdint>

#include "dataplane/gen/profile.h"

namespace podwall::gen {

inline constexpr uint16_t kMaxGroups = 0x7fff;

// Where build_frame() put the stamp's fields, for stamp().
struct StampSpot {
  uint16_t tsc_offset = 0;       // 8 bytes
  uint16_t checksum_offset = 0;  // the L4 checksum that covers them
};

// Writes the frame of instance `instance` of `group` (index `group_index`) into `out`, which
// holds at least `frame_size` - 4 bytes (no FCS). `syn` (TCP only): SYN rather than ACK.
// Returns the frame length and where the stamp goes.
size_t build_frame(const FlowGroup& group, uint16_t group_index, uint64_t instance,
                   uint16_t frame_size, bool syn, uint8_t* out, StampSpot& spot);

// Writes `tsc` at the spot and fixes the checksum. Thread: the transmitting lcore.
void stamp(uint8_t* frame, const StampSpot& spot, uint64_t tsc);

// Reads a stamp back; false for frames that are not ours (no tag, too short, not IP).
bool read_stamp(const uint8_t* frame, size_t length, uint16_t& group_index, uint64_t& tsc);

}  // namespace podwall::gen
