#include "control/daemon/options.h"

#include <yaml-cpp/exceptions.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "control/loader/yaml_tree.h"

namespace podwall {

const char* const kDaemonUsage =
    R"(usage: podwall [EAL options] -- --manifests DIR [options]

  --manifests DIR              Kubernetes manifests to enforce (Namespace, Pod, NetworkPolicy)
  --config FILE                daemon settings in YAML (see config/podwall.yaml); flags win
  --established=recheck|keep   on a policy change, re-check established flows (default) or keep
  --conntrack-capacity N       flows per worker (default 1048576); when full, new flows drop
  --pass-unknown-ethertypes    forward frames that are not ARP/IPv4/IPv6 (default: drop, count)
  --stats-interval S           print counters every S seconds (default 0: only at exit)
  --mtu N                      largest MTU to ask of the ports (default 9000)
  --loader-notes               print the loader's notes as well as its errors
  --ctl-socket PATH            control socket for podwallctl status|reload|wait (default
                               /run/podwall/podwall.sock; 'none' for no socket)
  --debounce-ms N              wait until the manifest directory is quiet this long before a
                               reload (default 20)
  --flow-log FILE              append a JSON line for every connection the policy denies or a
                               policy change cuts, with the reason ('-': standard output)
  --flow-log-rate N            at most N flow log lines a second; the rest are counted
                               (default 100)
  --flow-log-allowed           log every connection the policy allows too, with the rule
                               that allowed it (needs --flow-log)
  --help                       this text

EAL options are DPDK's: e.g. -l 0,1 --no-huge -m 1024 --no-pci --vdev net_af_packet0,iface=X
Every port EAL probes joins the bridge. The main lcore runs control; every other lcore runs a
worker (flows are spread over workers by a symmetric hash of their addresses). SIGHUP reloads
the manifest directory; SIGINT/SIGTERM stop and print the counters.
)";

namespace {

bool parse_unsigned(const std::string& text, uint64_t max, uint64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

bool set_established(const std::string& value, DataplaneConfig& c, std::string& error) {
  if (value == "recheck") {
    c.established = EstablishedPolicy::recheck;
  } else if (value == "keep") {
    c.established = EstablishedPolicy::keep;
  } else {
    error = "established must be 'recheck' or 'keep', not '" + value + "'";
    return false;
  }
  return true;
}

// One setting, named the same in the file (camelCase key) and on the command line.
struct Setting {
  const char* flag;  // command line, without "--"
  const char* key;   // YAML key
  bool takes_value;
  std::function<bool(const std::string&, DaemonOptions&, std::string&)> apply;
};

std::function<bool(const std::string&, DaemonOptions&, std::string&)> number(
    const char* what, uint64_t min, uint64_t max,
    std::function<void(DaemonOptions&, uint64_t)> set) {
  return [=](const std::string& v, DaemonOptions& o, std::string& error) {
    uint64_t n = 0;
    if (!parse_unsigned(v, max, n) || n < min) {
      error = std::string(what) + " must be a number from " + std::to_string(min) + " to " +
              std::to_string(max) + ", not '" + v + "'";
      return false;
    }
    set(o, n);
    return true;
  };
}

std::function<bool(const std::string&, DaemonOptions&, std::string&)> boolean(
    const char* what, std::function<void(DaemonOptions&, bool)> set) {
  return [=](const std::string& v, DaemonOptions& o, std::string& error) {
    if (v == "true" || v == "") {
      set(o, true);
    } else if (v == "false") {
      set(o, false);
    } else {
      error = std::string(what) + " must be true or false, not '" + v + "'";
      return false;
    }
    return true;
  };
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = {
      {"manifests", "manifests", true,
       [](const std::string& v, DaemonOptions& o, std::string&) {
         o.manifests = v;
         return true;
       }},
      {"established", "established", true,
       [](const std::string& v, DaemonOptions& o, std::string& e) {
         return set_established(v, o.dataplane, e);
       }},
      {"conntrack-capacity", "conntrackCapacity", true,
       number("conntrack capacity", 1, 1u << 28,
              [](DaemonOptions& o, uint64_t n) { o.dataplane.conntrack_capacity = uint32_t(n); })},
      {"pass-unknown-ethertypes", "passUnknownEthertypes", false,
       boolean("passUnknownEthertypes",
               [](DaemonOptions& o, bool b) { o.dataplane.pass_unknown_ethertypes = b; })},
      {"stats-interval", "statsInterval", true,
       number("stats interval", 0, 86400,
              [](DaemonOptions& o, uint64_t n) { o.stats_interval = unsigned(n); })},
      {"mtu", "mtu", true,
       number("mtu", 576, 9216,
              [](DaemonOptions& o, uint64_t n) { o.dataplane.mtu = uint32_t(n); })},
      {"rx-descriptors", "rxDescriptors", true,
       number("rx descriptors", 64, 16384,
              [](DaemonOptions& o, uint64_t n) { o.dataplane.rx_descriptors = uint16_t(n); })},
      {"tx-descriptors", "txDescriptors", true,
       number("tx descriptors", 64, 16384,
              [](DaemonOptions& o, uint64_t n) { o.dataplane.tx_descriptors = uint16_t(n); })},
      {"mac-table-entries", "macTableEntries", true,
       number("MAC table entries", 16, 1u << 24,
              [](DaemonOptions& o, uint64_t n) { o.dataplane.mac_table_entries = uint32_t(n); })},
      {"mac-ageing", "macAgeingSeconds", true,
       number("MAC ageing", 1, 86400,
              [](DaemonOptions& o, uint64_t n) { o.dataplane.mac_ageing_seconds = uint32_t(n); })},
      {"ctl-socket", "ctlSocket", true,
       [](const std::string& v, DaemonOptions& o, std::string&) {
         o.ctl_socket = v == "none" ? "" : v;
         return true;
       }},
      {"debounce-ms", "debounceMs", true,
       number("debounce", 0, 60000,
              [](DaemonOptions& o, uint64_t n) { o.debounce_ms = unsigned(n); })},
      {"loader-notes", "loaderNotes", false,
       boolean("loaderNotes", [](DaemonOptions& o, bool b) { o.loader_notes = b; })},
      {"flow-log", "flowLog", true,
       [](const std::string& v, DaemonOptions& o, std::string& e) {
         if (v.empty()) {
           e = "flow log needs a file name (or '-' for standard output)";
           return false;
         }
         o.flow_log = v;
         return true;
       }},
      {"flow-log-rate", "flowLogRate", true,
       number("flow log rate", 1, 1'000'000,
              [](DaemonOptions& o, uint64_t n) { o.flow_log_rate = unsigned(n); })},
      {"flow-log-allowed", "flowLogAllowed", false,
       boolean("flowLogAllowed", [](DaemonOptions& o, bool b) { o.flow_log_allowed = b; })},
  };
  return all;
}

// "FILE:LINE:COLUMN: ", or "FILE: " for a mark yaml-cpp left unset.
std::string located(const std::string& path, const YAML::Mark& mark) {
  if (mark.is_null()) return path + ": ";
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": ";
}

// A config file is a few lines; anything this large is not one.
constexpr std::streamsize kMaxConfigBytes = 1 << 20;

bool apply_config_file(const std::string& path, DaemonOptions& options, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {  // it opens, then reads as an empty file
    error = path + ": is a directory, not a config file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot read the config file (" + std::strerror(errno) + ")";
    return false;
  }
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), kMaxConfigBytes + 1);
  text.resize(size_t(in.gcount()));
  if (in.bad() || text.size() > size_t(kMaxConfigBytes)) {
    error = path +
            (in.bad() ? ": cannot read the config file" : ": larger than 1 MiB: not a config file");
    return false;
  }
  // The loader's YAML reader: unlike YAML::Load it reports a stray ',' (which yaml-cpp reads
  // as an empty document) and gives every document, so that none is dropped unread.
  YamlFile file;
  try {
    file = parse_yaml_documents(text);
  } catch (const YAML::Exception& e) {
    error = located(path, e.mark) + e.msg;
    return false;
  }
  const YamlNode* root = nullptr;
  for (const YamlNode* document : file.documents()) {
    if (document->is_null()) continue;
    if (root != nullptr) {
      error = located(path, document->mark()) +
              "a second YAML document: the config is one mapping of settings";
      return false;
    }
    root = document;
  }
  if (root == nullptr) return true;
  if (!root->is_map()) {
    error = located(path, root->mark()) + "the config must be a mapping of settings";
    return false;
  }
  std::map<const Setting*, const YamlNode*> seen;
  for (size_t i = 0; i < root->size(); ++i) {
    const YamlNode& key_node = root->key(i);
    const YamlNode& value = root->value(i);
    const std::string key(key_node.is_scalar() ? key_node.scalar() : std::string_view());
    const std::string where = located(path, key_node.mark());
    const Setting* setting = nullptr;
    for (const Setting& s : settings())
      if (key == s.key) setting = &s;
    if (setting == nullptr) {
      error = where + "unknown setting '" + key + "'";
      return false;
    }
    if (auto [first, inserted] = seen.emplace(setting, &key_node); !inserted) {
      error = where + key + ": given twice (first on line " +
              std::to_string(first->second->mark().line + 1) + ")";
      return false;
    }
    if (!value.is_scalar()) {
      error = where + key + ": must be a single value";
      return false;
    }
    std::string message;
    if (!setting->apply(std::string(value.scalar()), options, message)) {
      error = where + key + ": " + message;
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<DaemonOptions> parse_daemon_options(int argc, char** argv, int first, bool& help,
                                                  std::string& error) {
  help = false;
  // Pass 1: --config and --help, so the file can be applied under the flags.
  std::vector<std::pair<const Setting*, std::string>> flags;
  DaemonOptions options;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return std::nullopt;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      error = "unexpected argument '" + arg + "'";
      return std::nullopt;
    }
    std::string name = arg.substr(2);
    std::string value;
    size_t eq = name.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "config") {
      if (!inline_value) {
        if (i + 1 >= argc) {
          error = "--config needs a file";
          return std::nullopt;
        }
        value = argv[++i];
      }
      options.config_file = value;
      continue;
    }
    const Setting* setting = nullptr;
    for (const Setting& s : settings())
      if (name == s.flag) setting = &s;
    if (setting == nullptr) {
      error = "unknown option --" + name;
      return std::nullopt;
    }
    if (setting->takes_value && !inline_value) {
      if (i + 1 >= argc) {
        error = "--" + name + " needs a value";
        return std::nullopt;
      }
      value = argv[++i];
    }
    if (!setting->takes_value && inline_value) {
      error = "--" + name + " takes no value";
      return std::nullopt;
    }
    flags.emplace_back(setting, value);
  }
  if (!options.config_file.empty() && !apply_config_file(options.config_file, options, error))
    return std::nullopt;
  for (const auto& [setting, value] : flags) {
    std::string message;
    if (!setting->apply(value, options, message)) {
      error = "--" + std::string(setting->flag) + ": " + message;
      return std::nullopt;
    }
  }
  if (options.manifests.empty()) {
    error = "--manifests DIR is required";
    return std::nullopt;
  }
  if (options.flow_log_allowed && options.flow_log.empty()) {
    error = "--flow-log-allowed needs --flow-log FILE";
    return std::nullopt;
  }
  return options;
}

}  // namespace podwall
