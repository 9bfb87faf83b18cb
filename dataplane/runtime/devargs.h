#pragma once
// A port's device arguments, as given to --vdev ("net_af_packet0,iface=eth3,qpairs=1"): the
// kernel interface behind an AF_PACKET, AF_XDP or TAP port is the name an operator knows the
// port by, while EAL's own name (net_af_packet0) only says in which order it was probed.
// DPDK-free: the caller hands over the argument string.

#include <string>
#include <string_view>

namespace podwall {

// The value of `key` in a comma-separated list of key=value pairs, or "" when the key is absent
// or has no value. The first occurrence wins, as in DPDK's own argument parsing.
std::string devargs_value(std::string_view args, std::string_view key);

}  // namespace podwall
