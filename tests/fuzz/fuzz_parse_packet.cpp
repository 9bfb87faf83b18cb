// libFuzzer target: any byte string as a frame through parse_packet() and the decision
// pipeline, with conntrack and fragment state carried across inputs so that sequences of
// packets (flows, fragments, policy changes, expiry) are explored too.
//
// Checks beyond the sanitizers: a parse that succeeds describes only bytes inside the frame,
// the express lane takes only frames the parser takes, with the same flow key, and every
// decision is counted exactly once.

#include <cstddef>
#include <cstdint>

#include "dataplane/conntrack/decide_with.h"
#include "dataplane/conntrack/firewall.h"
#include "dataplane/packet/express.h"

namespace {

using namespace podwall;

// A stand-in policy with both answers: allow when a hash of the query has its low bit set, so
// the fuzzer reaches the allow, deny and revoke paths without compiled tables.
struct FuzzTables {
  uint64_t salt = 0;
};

struct FuzzClassifier {
  Verdict operator()(const FuzzTables& tables, const FlowQuery& q) const noexcept {
    uint64_t h = tables.salt ^ q.ip_proto ^ uint64_t(q.dst_port) << 8;
    for (uint8_t b : q.src.bytes) h = (h ^ b) * 0x100000001b3ull;
    for (uint8_t b : q.dst.bytes) h = (h ^ b) * 0x100000001b3ull;
    return (h >> 17) & 1 ? Verdict::allow : Verdict::deny;
  }
};

struct State {
  FlowTable flows{256, FlowTimeouts{}, 1};
  FragmentTracker fragments{64, FragmentTracker::kDefaultTimeoutNs, 2};
  WorkerCounters counters;
  FuzzTables tables;
  uint64_t generation = 1;
  uint64_t now = kNsPerSecond;
  uint64_t inputs = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State s;
  if (size > 65535 + 64) return 0;
  uint32_t len = uint32_t(size);

  ParsedPacket parsed;
  DropReason reason = parse_packet(data, len, parsed);
  if (reason == DropReason::none && parsed.has_l4() &&
      uint32_t(parsed.l4_offset) + parsed.l4_length > len) {
    __builtin_trap();
  }
  if (size_t(reason) >= kDropReasonCount) __builtin_trap();

  ExpressPacket fast;
  if (read_express(data, len, fast)) {
    if (reason != DropReason::none || !parsed.tuple.has_ports ||
        parsed.tcp_flags != fast.tcp_flags || parsed.frag.is_fragment || parsed.vlan_count != 0) {
      __builtin_trap();
    }
    bool parsed_lo = false, fast_lo = false;
    if (!(make_flow_key(parsed.tuple, parsed_lo) ==
          make_v4_flow_key(fast.src, fast.dst, fast.sport, fast.dport, fast.ip_proto, fast_lo)) ||
        parsed_lo != fast_lo) {
      __builtin_trap();
    }
  }

  // Every so often: a policy change, a mode flip, time passing, the worker's sweep.
  ++s.inputs;
  if (s.inputs % 97 == 0) {
    ++s.generation;
    s.tables.salt = s.generation * 0x9e3779b97f4a7c15ull;
  }
  FirewallConfig config;
  config.established = s.inputs % 5 == 0 ? EstablishedMode::keep : EstablishedMode::recheck;
  config.pass_unknown_ethertypes = s.inputs % 3 == 0;
  s.now += (s.inputs % 7) * kNsPerSecond;

  uint64_t before = s.counters.passed + s.counters.dropped;
  ParsedPacket scratch;
  Decision d = decide_frame_with(data, len, scratch, &s.tables, s.generation, s.flows, s.fragments,
                                 s.now, config, s.counters, FuzzClassifier{});
  if (s.counters.passed + s.counters.dropped != before + 1) __builtin_trap();
  if (d.passed() != (d.reason == DropReason::none)) __builtin_trap();
  if (s.flows.size() > s.flows.capacity()) __builtin_trap();

  expire_state(s.flows, s.fragments, s.now, 4, s.counters);
  return 0;
}
