#include "dataplane/packet/drop_reason.h"

namespace podwall {

namespace {

// Indexed by DropReason; the static_assert below keeps it in step with the enum.
constexpr const char* kNames[] = {
    "none",
    "truncated_l2",
    "truncated_vlan",
    "too_many_vlan_tags",
    "truncated_arp",
    "unknown_ethertype",
    "truncated_ipv4",
    "bad_ipv4_version",
    "bad_ipv4_ihl",
    "bad_ipv4_total_length",
    "truncated_ipv6",
    "bad_ipv6_version",
    "bad_ipv6_payload_length",
    "truncated_ipv6_ext_header",
    "bad_ipv6_ext_chain",
    "ipv6_ext_chain_too_long",
    "ipv6_ext_chain_not_in_first_fragment",
    "bad_fragment_length",
    "bad_fragment_offset",
    "tiny_fragment",
    "overlapping_fragment",
    "orphan_fragment",
    "fragment_of_denied_datagram",
    "fragment_of_poisoned_datagram",
    "too_many_fragment_holes",
    "fragment_table_full",
    "truncated_l4",
    "bad_tcp_data_offset",
    "bad_tcp_flags",
    "bad_udp_length",
    "bad_icmp_error",
    "tables_not_ready",
    "no_flow",
    "conntrack_full",
    "policy_denied",
    "policy_revoked",
    "icmp_error_unrelated",
};
static_assert(sizeof kNames / sizeof kNames[0] == kDropReasonCount);

}  // namespace

const char* drop_reason_name(DropReason reason) noexcept {
  size_t i = size_t(reason);
  return i < kDropReasonCount ? kNames[i] : "unknown";
}

}  // namespace podwall
