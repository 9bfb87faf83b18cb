#pragma once
// A decide() harness with a stand-in policy: a set of allowed (src, dst, proto, port) queries,
// swapped by the test to play a policy change. Counts classifier calls, so tests can see when
// a flow is (and is not) judged again.

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "dataplane/conntrack/decide_with.h"
#include "tests/unit/packet/frame_builder.h"

namespace podwall::test {

struct FakeTables {
  // (src, dst, proto, port); port 0 for protocols without ports.
  std::set<std::tuple<IpAddress, IpAddress, uint8_t, uint16_t>> allowed;
  mutable int calls = 0;

  void allow(const IpAddress& src, const IpAddress& dst, uint8_t proto, uint16_t port = 0) {
    allowed.insert({src, dst, proto, port});
  }
};

struct FakeClassifier {
  Verdict operator()(const FakeTables& t, const FlowQuery& q) const noexcept {
    ++t.calls;
    return t.allowed.count({q.src, q.dst, q.ip_proto, q.dst_port}) ? Verdict::allow : Verdict::deny;
  }
};

class FirewallTest : public ::testing::Test {
 protected:
  explicit FirewallTest(uint32_t flow_capacity = 1024, uint32_t fragment_capacity = 64)
      : flows(flow_capacity, FlowTimeouts{}, 42),
        fragments(fragment_capacity, FragmentTracker::kDefaultTimeoutNs, 7) {}

  Decision send(const Bytes& frame) {
    ParsedPacket scratch;
    return decide_frame_with(frame.data(), uint32_t(frame.size()), scratch,
                             ready ? &tables : nullptr, generation, flows, fragments, now, config,
                             counters, FakeClassifier{});
  }
  void advance_seconds(uint64_t s) { now += s * kNsPerSecond; }
  uint64_t dropped(DropReason r) const { return counters.dropped_by_reason[size_t(r)]; }

  FakeTables tables;
  bool ready = true;
  uint64_t generation = 1;
  FlowTable flows;
  FragmentTracker fragments;
  WorkerCounters counters;
  FirewallConfig config;
  uint64_t now = 1000 * kNsPerSecond;
};

inline Bytes tcp4(const IpAddress& s, const IpAddress& d, uint16_t sp, uint16_t dp, uint8_t f) {
  return FrameBuilder().ipv4(s, d).tcp(sp, dp, f).build();
}
inline Bytes tcp6(const IpAddress& s, const IpAddress& d, uint16_t sp, uint16_t dp, uint8_t f) {
  return FrameBuilder().ipv6(s, d).tcp(sp, dp, f).build();
}
inline Bytes udp4(const IpAddress& s, const IpAddress& d, uint16_t sp, uint16_t dp) {
  return FrameBuilder().ipv4(s, d).udp(sp, dp).payload(16).build();
}

}  // namespace podwall::test
