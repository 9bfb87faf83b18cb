#pragma once
// podwall-gen's own command line (after EAL's "--"). DPDK-free.

#include <cstdint>
#include <optional>
#include <string>

namespace podwall::gen {

extern const char* const kGenUsage;

struct GenOptions {
  std::string profile;
  int tx_port = 0;
  int rx_port = -1;  // -1: port 1 if there are two ports, else port 0
  bool rfc2544 = false;
  double loss_threshold = 0;  // percent of frames sent, for --rfc2544
  double trial_seconds = 2;   // per --rfc2544 trial
  unsigned drain_ms = 200;    // after tx stops, how long rx keeps counting
  unsigned link_timeout_s = 10;
  bool quiet = false;  // no once-a-second lines
};

// argv[first..argc). Returns nullopt with `error` set (empty error and help=true for --help).
std::optional<GenOptions> parse_gen_options(int argc, char** argv, int first, bool& help,
                                            std::string& error);

}  // namespace podwall::gen
