#pragma once
// The daemon's own options: what follows "--" on the command line, over an optional YAML
// config file (--config). Command-line flags win over the file; the file wins over defaults.
// No DPDK here: the dataplane settings travel in the facade's DPDK-free DataplaneConfig.

#include <optional>
#include <string>

#include "dataplane/runtime/dataplane.h"

namespace podwall {

struct DaemonOptions {
  std::string manifests;        // --manifests DIR (required)
  std::string config_file;      // --config FILE
  unsigned stats_interval = 0;  // --stats-interval S: print counters every S seconds (0: never)
  bool loader_notes = false;    // --loader-notes: print the loader's notes, not only errors
  std::string ctl_socket = "/run/podwall/podwall.sock";  // --ctl-socket PATH ("" or none: off)
  unsigned debounce_ms = 20;      // --debounce-ms N: quiet time before a burst of changes reloads
  std::string flow_log;           // --flow-log FILE: denied and revoked connections ("-": stdout)
  unsigned flow_log_rate = 100;   // --flow-log-rate N: at most N flow log lines a second
  bool flow_log_allowed = false;  // --flow-log-allowed: allowed connections too
  DataplaneConfig dataplane;
};

// Main thread. Parses argv[first..argc). On error returns nullopt and a one-line message.
// `help` is set (and nullopt returned) for --help.
std::optional<DaemonOptions> parse_daemon_options(int argc, char** argv, int first, bool& help,
                                                  std::string& error);

extern const char* const kDaemonUsage;

}  // namespace podwall
