#pragma once
// fuzz_burst's input format and the pods of its cluster, shared by the target
// (fuzz_burst.cpp) and the program that writes its seeds (make_packet_corpus.cpp), so that the
// two cannot drift apart.
//
// Input: bursts, each `ctl count frame*`, a frame being a 2-byte big-endian length and its
// bytes. `ctl` says what happens before the burst is judged (the bits below); `count` %
// (kMaxFramesPerBurst + 1) frames follow.

#include <cstdint>

namespace podwall::burst_input {

// Bits 0-1 of `ctl`: how much time passes (an index into the target's steps).
inline constexpr uint8_t kTimeMask = 3;
inline constexpr uint8_t kOneMs = 1, kTwoSeconds = 2, kLongPause = 3;  // 0: none
inline constexpr uint8_t kPolicyChange = 4;  // the other table set, as the next generation
inline constexpr uint8_t kKeep = 8;          // --established=keep for this burst
inline constexpr uint8_t kSweep = 16;        // the worker's expiry sweep runs
inline constexpr uint8_t kPassUnknownEthertypes = 32;

// Two receive bursts' worth, so that decide_burst() also splits.
inline constexpr uint32_t kMaxFramesPerBurst = 64;

struct Pod {
  const char* namespace_name;
  const char* name;  // also its app label
  const char* v4;
  const char* v6;
};
inline constexpr Pod kPods[] = {{"lab", "a", "198.18.0.1", "2001:db8::1"},
                                {"lab", "b", "198.18.0.2", "2001:db8::2"},
                                {"lab", "c", "198.18.0.3", "2001:db8::3"},
                                {"ops", "d", "198.18.0.4", "2001:db8::4"}};
inline constexpr const Pod& kA = kPods[0];
inline constexpr const Pod& kB = kPods[1];
inline constexpr const Pod& kC = kPods[2];
inline constexpr const Pod& kD = kPods[3];

}  // namespace podwall::burst_input
