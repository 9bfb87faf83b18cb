#pragma once
// podwall-gen's traffic profile: what to send (flows, frame sizes), how fast and for how long.
// DPDK-free, so the parser is unit-tested without EAL. Thread: any (the generator parses once,
// on the main lcore, before any port starts).
//
//   flows:                          # one entry per group of flows, at least one
//     - name: web                   # optional, shown in reports
//       expect: allow               # allow | deny | any: the policy's verdict for this group
//       protocol: tcp               # tcp (SYN first, then ACKs) | udp | icmp (echo request)
//       src_ip: 198.18.10.5-198.18.10.20   # address, first-last range or CIDR; v4 or v6
//       dst_ip: 198.18.10.10
//       src_port: 10000-19999       # tcp/udp; number or first-last
//       dst_port: 80
//       src_mac: 02:00:00:00:00:01  # optional; a range first-last steps with src_ip
//       dst_mac: 02:00:00:00:00:02
//       weight: 1                   # share of the packets
//   frame_size: 64                  # 64 | [64, 512, 1500] (a sweep) | imix | {imix: [[64, 7],
//   ...]} rate: unlimited                 # unlimited | 1000000 (pps) | 1Mpps | 10% (of line_rate)
//   line_rate: 10G                  # for %: default the tx port's link speed
//   duration: 10                    # seconds per frame size, or
//   count: 1000000                  # packets per frame size
//
// Errors name the file and line: "profile.yaml:7: dst_port: 70000 is not a port".

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace podwall::gen {

enum class Protocol : uint8_t { tcp, udp, icmp };
enum class Expect : uint8_t { allow, deny, any };

// A run of consecutive addresses; IPv4 in the first 4 bytes when !v6.
struct IpRange {
  bool v6 = false;
  std::array<uint8_t, 16> first{};
  uint64_t count = 1;
};

struct PortRange {
  uint16_t first = 0;
  uint32_t count = 1;
};

struct MacRange {
  std::array<uint8_t, 6> first{};
  uint64_t count = 1;
};

struct FlowGroup {
  std::string name;
  Expect expect = Expect::any;
  Protocol protocol = Protocol::udp;
  IpRange src_ip, dst_ip;
  PortRange src_port{1024, 1}, dst_port{9, 1};
  MacRange src_mac, dst_mac;
  uint32_t weight = 1;
  int line = 0;  // where the group starts in the profile, for messages

  // Distinct 5-tuples: src addresses x dst addresses x src ports x dst ports.
  uint64_t instances() const;
};

// One entry of the sweep: a fixed size, or a weighted mix (IMIX).
struct SizeMix {
  std::string label;                                 // "64", "imix"
  std::vector<std::pair<uint16_t, uint32_t>> sizes;  // (frame size with FCS, weight)
};

struct Rate {
  enum class Kind : uint8_t { unlimited, pps, percent } kind = Kind::unlimited;
  double value = 0;       // pps, or percent of line_bps
  uint64_t line_bps = 0;  // 0: the tx port's link speed
};

struct Profile {
  std::string path;
  std::vector<FlowGroup> flows;
  std::vector<SizeMix> sweep;
  Rate rate;
  double duration_s = 0;  // 0 with count == 0: 10 s
  uint64_t count = 0;
};

// The classic simple IMIX: 7 x 64 B, 4 x 570 B, 1 x 1518 B.
SizeMix simple_imix();

// Parses a profile; on failure returns nullopt and sets `error` to "file:line: reason".
std::optional<Profile> parse_profile_text(const std::string& text, const std::string& path,
                                          std::string& error);
std::optional<Profile> load_profile(const std::string& path, std::string& error);

// The smallest frame (with FCS) that holds the group's headers; 64 at least.
uint16_t min_frame_size(const FlowGroup& group);

}  // namespace podwall::gen
