#include "dataplane/gen/options.h"

#include <cstdlib>
#include <cstring>

namespace podwall::gen {

const char* const kGenUsage =
    R"(usage: podwall-gen [EAL options] -- --profile FILE [options]

  --profile FILE         traffic profile (YAML; see tests/data/bench/*.yaml)
  --tx-port N            port to transmit on (default 0)
  --rx-port N            port to receive on (default 1, or 0 with a single port)
  --rfc2544              per frame size, binary-search the highest rate with loss <= threshold
  --loss-threshold PCT   allowed loss for --rfc2544, in percent (default 0)
  --trial-duration S     seconds per --rfc2544 trial (default 2)
  --drain-ms N           how long to keep receiving after the last frame (default 200)
  --link-timeout S       how long to wait for links to come up (default 10)
  --quiet                no once-a-second report
  --help                 this text

Exit status: 0, 1 environment (ports, EAL), 2 usage or profile, 3 frames of denied flows arrived.
)";

namespace {

bool number(const char* text, double min, double max, double& out) {
  char* end = nullptr;
  out = std::strtod(text, &end);
  return end != text && *end == '\0' && out >= min && out <= max;
}

}  // namespace

std::optional<GenOptions> parse_gen_options(int argc, char** argv, int first, bool& help,
                                            std::string& error) {
  GenOptions o;
  help = false;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](double min, double max, double& out) {
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      if (!number(argv[++i], min, max, out)) {
        error = arg + ": '" + argv[i] + "' must be a number from " + std::to_string(min) + " to " +
                std::to_string(max);
        return false;
      }
      return true;
    };
    double v = 0;
    if (arg == "--help" || arg == "-h") {
      help = true;
      return std::nullopt;
    } else if (arg == "--profile") {
      if (i + 1 >= argc) {
        error = "--profile needs a file";
        return std::nullopt;
      }
      o.profile = argv[++i];
    } else if (arg == "--tx-port") {
      if (!value(0, 1023, v)) return std::nullopt;
      o.tx_port = int(v);
    } else if (arg == "--rx-port") {
      if (!value(0, 1023, v)) return std::nullopt;
      o.rx_port = int(v);
    } else if (arg == "--rfc2544") {
      o.rfc2544 = true;
    } else if (arg == "--loss-threshold") {
      if (!value(0, 100, o.loss_threshold)) return std::nullopt;
    } else if (arg == "--trial-duration") {
      if (!value(0.1, 3600, o.trial_seconds)) return std::nullopt;
    } else if (arg == "--drain-ms") {
      if (!value(0, 60000, v)) return std::nullopt;
      o.drain_ms = unsigned(v);
    } else if (arg == "--link-timeout") {
      if (!value(0, 600, v)) return std::nullopt;
      o.link_timeout_s = unsigned(v);
    } else if (arg == "--quiet") {
      o.quiet = true;
    } else {
      error = "unknown option '" + arg + "'";
      return std::nullopt;
    }
  }
  if (o.profile.empty()) {
    error = "--profile FILE is required";
    return std::nullopt;
  }
  return o;
}

}  // namespace podwall::gen
