#pragma once
// Frames for the benchmarks that drive decide_burst() directly: the smallest Ethernet + IPv4
// frame that carries a flow of the synthetic cluster.

#include <cstdint>
#include <vector>

#include "dataplane/policy/classify.h"

namespace podwall {

// A 60-byte frame (64 on the wire) of the IPv4 flow `flow` from source port `sport`: a TCP
// segment with `tcp_flags` (and no options), or a UDP datagram when the flow is UDP.
std::vector<uint8_t> bench_frame(const FlowQuery& flow, uint16_t sport, uint8_t tcp_flags);

}  // namespace podwall
