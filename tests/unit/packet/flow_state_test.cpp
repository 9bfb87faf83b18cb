// The express lane's tracking (track_ported_packet(), with its shortcut for established TCP)
// against the general rules (track_packet()) over every state, FIN history and flag byte.
#include <gtest/gtest.h>

#include "dataplane/conntrack/flow_state.h"

namespace podwall {
namespace {

constexpr FlowState kStates[] = {
    FlowState::tcp_syn_sent, FlowState::tcp_syn_recv, FlowState::tcp_established,
    FlowState::tcp_fin_wait, FlowState::unreplied,    FlowState::replied,
    FlowState::closed,
};

bool same(const FlowEntry& a, const FlowEntry& b) {
  return a.state == b.state && a.flags == b.flags && a.expires_ns == b.expires_ns &&
         a.generation == b.generation && a.key == b.key;
}

TEST(FlowState, PortedTrackingFollowsTheGeneralRules) {
  const FlowTimeouts timeouts;
  const uint64_t now = 5'000'000'000ull;
  int compared = 0;
  for (uint8_t proto : {ip_proto::tcp, ip_proto::udp}) {
    for (FlowState state : kStates) {
      for (uint8_t history = 0; history < 8; ++history) {  // initiator side and FINs seen
        for (int flags = 0; flags < 256; ++flags) {
          if (proto != ip_proto::tcp && flags != 0) continue;  // UDP: the lane passes 0
          for (bool from_initiator : {true, false}) {
            FlowEntry base;
            base.key.ip_proto = proto;
            base.key.family = 4;
            base.state = state;
            base.flags = history;
            base.generation = 3;
            base.expires_ns = now + 1;
            ParsedPacket packet;
            packet.tuple.ip_proto = proto;
            packet.l4_offset = 34;  // a whole segment: has_l4()
            packet.tcp_flags = uint8_t(flags);

            FlowEntry ported = base, general = base;
            track_ported_packet(ported, uint8_t(flags), from_initiator, now, timeouts);
            track_packet(general, packet, from_initiator, now, timeouts);
            ASSERT_TRUE(same(ported, general))
                << "proto " << int(proto) << " state " << int(state) << " history " << int(history)
                << " flags 0x" << std::hex << flags << std::dec
                << (from_initiator ? " from the initiator" : " from the responder")
                << ": ported gives state " << int(ported.state) << " flags " << int(ported.flags)
                << " expiry " << ported.expires_ns << ", general " << int(general.state) << " / "
                << int(general.flags) << " / " << general.expires_ns;
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 7 * 8 * (256 + 1) * 2);
}

}  // namespace
}  // namespace podwall
