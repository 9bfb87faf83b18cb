#include "dataplane/gen/profile.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "control/loader/yaml_tree.h"

namespace podwall::gen {

namespace {

constexpr double kMaxLineBps = 1e13;  // 10 Tbit/s

// The 1-based line of a mark. Nodes that are not in the text (the root of an empty file)
// carry no mark: they are reported on line 1.
int line_of(const YAML::Mark& mark) {
  return mark.line < 0 ? 1 : mark.line + 1;
}

// Thrown inside the parser only, caught at the top and turned into "file:line: reason".
struct ProfileError : std::runtime_error {
  ProfileError(const YAML::Node& at, const std::string& what)
      : std::runtime_error(what), line(line_of(at.Mark())) {}
  ProfileError(const YamlNode& at, const std::string& what)
      : std::runtime_error(what), line(line_of(at.mark())) {}
  int line;
};

// Every mapping of the tree under `root` has distinct keys. Each node is visited once, so
// aliases (even cycles of them) cost nothing extra.
void check_unique_keys(const YamlNode& root) {
  std::vector<const YamlNode*> todo{&root};
  std::unordered_set<const YamlNode*> seen{&root};
  auto visit = [&](const YamlNode& n) {
    if (seen.insert(&n).second) todo.push_back(&n);
  };
  while (!todo.empty()) {
    const YamlNode& n = *todo.back();
    todo.pop_back();
    if (n.is_sequence()) {
      for (size_t i = 0; i < n.size(); ++i) visit(n.item(i));
    }
    if (!n.is_map()) continue;
    std::unordered_map<std::string_view, const YamlNode*> keys;
    for (size_t i = 0; i < n.size(); ++i) {
      const YamlNode& key = n.key(i);
      if (key.is_scalar()) {
        auto [first, inserted] = keys.emplace(key.scalar(), &key);
        if (!inserted) {
          throw ProfileError(key, std::string(key.scalar()) + ": given twice (first on line " +
                                      std::to_string(line_of(first->second->mark())) + ")");
        }
      }
      visit(n.value(i));
    }
  }
}

// YAML::Load reads the first document only, takes a stray ',' for an empty document, and keeps
// the first of two equal keys: the loader's reader sees the whole text, and what Load would
// quietly drop is refused here.
void check_whole_text(const std::string& text) {
  YamlFile file = parse_yaml_documents(text);  // a stray ',': YAML::ParserException
  const YamlNode* root = nullptr;
  for (const YamlNode* document : file.documents()) {
    if (document->is_null()) continue;
    if (root != nullptr) {
      throw ProfileError(*document, "a second YAML document: a profile is one mapping");
    }
    root = document;
    check_unique_keys(*root);
  }
}

std::string scalar(const YAML::Node& n, const char* key) {
  if (!n.IsScalar()) throw ProfileError(n, std::string(key) + ": expected a single value");
  return n.Scalar();
}

bool to_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool to_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

bool parse_address(const std::string& s, bool& v6, std::array<uint8_t, 16>& out) {
  out.fill(0);
  if (inet_pton(AF_INET, s.c_str(), out.data()) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

// The low 64 bits of an address (all of IPv4), big-endian, as a number: ranges step there.
uint64_t low_bits(const IpRange& r) {
  uint64_t v = 0;
  if (!r.v6) {
    for (int i = 0; i < 4; ++i) v = v << 8 | r.first[i];
  } else {
    for (int i = 8; i < 16; ++i) v = v << 8 | r.first[i];
  }
  return v;
}

IpRange parse_ip_range(const YAML::Node& n, const char* key) {
  std::string text = scalar(n, key);
  IpRange r;
  auto bad = [&](const std::string& why) {
    return ProfileError(n, std::string(key) + ": '" + text + "' " + why);
  };
  if (auto slash = text.find('/'); slash != std::string::npos) {
    uint64_t prefix = 0;
    if (!parse_address(text.substr(0, slash), r.v6, r.first) ||
        !to_u64(std::string_view(text).substr(slash + 1), prefix) || prefix > (r.v6 ? 128u : 32u))
      throw bad("is not an address/prefix");
    unsigned host_bits = (r.v6 ? 128 : 32) - unsigned(prefix);
    if (host_bits > 32) throw bad("has more than 2^32 addresses; use a longer prefix");
    r.count = uint64_t(1) << host_bits;
    // Clear the host bits of the base.
    for (unsigned bit = 0; bit < host_bits; ++bit) {
      unsigned byte = (r.v6 ? 15 : 3) - bit / 8;
      r.first[byte] &= uint8_t(~(1u << (bit % 8)));
    }
    return r;
  }
  if (auto dash = text.find('-'); dash != std::string::npos) {
    IpRange last;
    if (!parse_address(text.substr(0, dash), r.v6, r.first) ||
        !parse_address(text.substr(dash + 1), last.v6, last.first))
      throw bad("is not a first-last address range");
    if (r.v6 != last.v6) throw bad("mixes IPv4 and IPv6");
    if (r.v6 && !std::equal(r.first.begin(), r.first.begin() + 8, last.first.begin()))
      throw bad("spans more than the low 64 bits");
    uint64_t a = low_bits(r), b = low_bits(last);
    if (b < a) throw bad("ends before it starts");
    if (b - a >= (uint64_t(1) << 32)) throw bad("has more than 2^32 addresses");
    r.count = b - a + 1;
    return r;
  }
  if (!parse_address(text, r.v6, r.first)) throw bad("is not an IPv4 or IPv6 address");
  return r;
}

PortRange parse_port_range(const YAML::Node& n, const char* key) {
  std::string text = scalar(n, key);
  uint64_t a = 0, b = 0;
  auto dash = text.find('-');
  bool ok = dash == std::string::npos ? to_u64(text, a) && (b = a, true)
                                      : to_u64(std::string_view(text).substr(0, dash), a) &&
                                            to_u64(std::string_view(text).substr(dash + 1), b);
  if (!ok || a > 65535 || b > 65535 || b < a)
    throw ProfileError(n, std::string(key) + ": '" + text + "' is not a port or port range");
  return {uint16_t(a), uint32_t(b - a + 1)};
}

bool parse_mac(const std::string& s, std::array<uint8_t, 6>& out) {
  unsigned v[6];
  char tail = 0;
  if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                  &tail) != 6)
    return false;
  for (int i = 0; i < 6; ++i) out[i] = uint8_t(v[i]);
  return true;
}

MacRange parse_mac_range(const YAML::Node& n, const char* key) {
  std::string text = scalar(n, key);
  MacRange r;
  std::array<uint8_t, 6> last{};
  auto dash = text.find('-');
  bool ok = dash == std::string::npos ? parse_mac(text, r.first)
                                      : parse_mac(text.substr(0, dash), r.first) &&
                                            parse_mac(text.substr(dash + 1), last);
  if (!ok) throw ProfileError(n, std::string(key) + ": '" + text + "' is not a MAC address");
  if (dash != std::string::npos) {
    uint64_t a = 0, b = 0;
    for (int i = 0; i < 6; ++i) {
      a = a << 8 | r.first[i];
      b = b << 8 | last[i];
    }
    if (b < a) throw ProfileError(n, std::string(key) + ": '" + text + "' ends before it starts");
    r.count = b - a + 1;
  }
  return r;
}

uint64_t parse_count(const YAML::Node& n, const char* key, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  std::string text = scalar(n, key);
  if (!to_u64(text, v) || v < min || v > max)
    throw ProfileError(n, std::string(key) + ": '" + text + "' must be a number from " +
                              std::to_string(min) + " to " + std::to_string(max));
  return v;
}

FlowGroup parse_flow(const YAML::Node& n) {
  if (!n.IsMap()) throw ProfileError(n, "flows: each entry must be a mapping");
  FlowGroup g;
  g.line = n.Mark().line + 1;
  bool have_src = false, have_dst = false;
  bool have_src_mac = false, have_dst_mac = false;
  for (const auto& kv : n) {
    std::string key = kv.first.as<std::string>("");
    const YAML::Node& v = kv.second;
    if (key == "name") {
      g.name = scalar(v, "name");
    } else if (key == "expect") {
      std::string e = scalar(v, "expect");
      if (e == "allow")
        g.expect = Expect::allow;
      else if (e == "deny")
        g.expect = Expect::deny;
      else if (e == "any")
        g.expect = Expect::any;
      else
        throw ProfileError(v, "expect: '" + e + "' must be allow, deny or any");
    } else if (key == "protocol") {
      std::string p = scalar(v, "protocol");
      if (p == "tcp")
        g.protocol = Protocol::tcp;
      else if (p == "udp")
        g.protocol = Protocol::udp;
      else if (p == "icmp")
        g.protocol = Protocol::icmp;
      else
        throw ProfileError(v, "protocol: '" + p + "' must be tcp, udp or icmp");
    } else if (key == "src_ip") {
      g.src_ip = parse_ip_range(v, "src_ip");
      have_src = true;
    } else if (key == "dst_ip") {
      g.dst_ip = parse_ip_range(v, "dst_ip");
      have_dst = true;
    } else if (key == "src_port") {
      g.src_port = parse_port_range(v, "src_port");
    } else if (key == "dst_port") {
      g.dst_port = parse_port_range(v, "dst_port");
    } else if (key == "src_mac") {
      g.src_mac = parse_mac_range(v, "src_mac");
      have_src_mac = true;
    } else if (key == "dst_mac") {
      g.dst_mac = parse_mac_range(v, "dst_mac");
      have_dst_mac = true;
    } else if (key == "weight") {
      g.weight = uint32_t(parse_count(v, "weight", 1, 1000000));
    } else {
      throw ProfileError(kv.first, "flows: unknown key '" + key + "'");
    }
  }
  if (!have_src || !have_dst) throw ProfileError(n, "flows: src_ip and dst_ip are required");
  if (g.src_ip.v6 != g.dst_ip.v6)
    throw ProfileError(n, "flows: src_ip and dst_ip mix IPv4 and IPv6");
  // Locally administered defaults; the destination differs from the source so that a bridge
  // never sees a frame addressed to the port it came from.
  if (!have_src_mac) g.src_mac.first = {0x02, 0x50, 0x57, 0x00, 0x00, 0x01};
  if (!have_dst_mac) g.dst_mac.first = {0x02, 0x50, 0x57, 0x00, 0x00, 0x02};
  if (g.instances() == 0 || g.instances() > (uint64_t(1) << 40))
    throw ProfileError(n, "flows: more than 2^40 distinct flows in one entry");
  return g;
}

SizeMix fixed(uint16_t size) {
  return {std::to_string(size), {{size, 1}}};
}

uint16_t parse_size(const YAML::Node& n) {
  return uint16_t(parse_count(n, "frame_size", 64, 9018));
}

std::vector<SizeMix> parse_sizes(const YAML::Node& n) {
  if (n.IsScalar()) {
    if (n.Scalar() == "imix") return {simple_imix()};
    return {fixed(parse_size(n))};
  }
  if (n.IsSequence()) {
    std::vector<SizeMix> sweep;
    for (const auto& item : n) {
      if (item.IsScalar() && item.Scalar() == "imix")
        sweep.push_back(simple_imix());
      else
        sweep.push_back(fixed(parse_size(item)));
    }
    if (sweep.empty()) throw ProfileError(n, "frame_size: the list is empty");
    return sweep;
  }
  if (n.IsMap() && n["imix"]) {
    SizeMix mix{"imix", {}};
    for (const auto& pair : n["imix"]) {
      if (!pair.IsSequence() || pair.size() != 2)
        throw ProfileError(pair, "frame_size: imix entries are [size, weight]");
      mix.sizes.push_back({parse_size(pair[0]), uint32_t(parse_count(pair[1], "weight", 1, 1000))});
    }
    if (mix.sizes.empty()) throw ProfileError(n, "frame_size: imix is empty");
    return {mix};
  }
  throw ProfileError(n, "frame_size: a size, a list of sizes, 'imix' or {imix: [[size, weight]]}");
}

uint64_t parse_bits(const YAML::Node& n) {
  std::string text = scalar(n, "line_rate");
  double v = 0;
  double unit = 1;
  std::string digits = text;
  if (!text.empty()) {
    char u = text.back();
    if (u == 'G' || u == 'g')
      unit = 1e9;
    else if (u == 'M' || u == 'm')
      unit = 1e6;
    else if (u == 'K' || u == 'k')
      unit = 1e3;
    if (unit != 1) digits.pop_back();
  }
  // Checked as a double: converting one past 2^64 to an integer is undefined.
  if (!to_double(digits, v) || !(v * unit >= 1 && v * unit <= kMaxLineBps)) {
    throw ProfileError(
        n, "line_rate: '" + text + "' must be bits/s from 1 to 10000G, e.g. 10G or 100M");
  }
  return uint64_t(v * unit);
}

Rate parse_rate(const YAML::Node& n) {
  std::string text = scalar(n, "rate");
  Rate r;
  if (text == "unlimited") return r;
  double v = 0;
  auto fail = [&] {
    return ProfileError(n, "rate: '" + text +
                               "' must be unlimited, pps (1000000, 1.5Mpps, "
                               "500kpps) or a percentage of the line rate (10%)");
  };
  if (!text.empty() && text.back() == '%') {
    if (!to_double(text.substr(0, text.size() - 1), v) || v <= 0 || v > 100) throw fail();
    r.kind = Rate::Kind::percent;
    r.value = v;
    return r;
  }
  double unit = 1;
  std::string digits = text;
  for (auto [suffix, scale] : {std::pair{"Mpps", 1e6}, {"kpps", 1e3}, {"pps", 1.0}}) {
    std::string s = suffix;
    if (digits.size() > s.size() && digits.compare(digits.size() - s.size(), s.size(), s) == 0) {
      digits.resize(digits.size() - s.size());
      unit = scale;
      break;
    }
  }
  if (!to_double(digits, v) || v <= 0) throw fail();
  r.kind = Rate::Kind::pps;
  r.value = v * unit;
  return r;
}

double parse_duration(const YAML::Node& n) {
  std::string text = scalar(n, "duration");
  if (!text.empty() && text.back() == 's') text.pop_back();
  double v = 0;
  if (!to_double(text, v) || v <= 0 || v > 86400)
    throw ProfileError(n, "duration: '" + n.Scalar() + "' must be seconds, from 0 to 86400");
  return v;
}

Profile parse_root(const YAML::Node& root, const std::string& path) {
  if (!root.IsMap()) throw ProfileError(root, "a profile is a mapping (flows, frame_size, ...)");
  Profile p;
  p.path = path;
  p.sweep = {fixed(64)};
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>("");
    const YAML::Node& v = kv.second;
    if (key == "flows") {
      if (!v.IsSequence() || v.size() == 0)
        throw ProfileError(v, "flows: a list with at least one entry");
      for (const auto& f : v) p.flows.push_back(parse_flow(f));
    } else if (key == "frame_size") {
      p.sweep = parse_sizes(v);
    } else if (key == "rate") {
      Rate r = parse_rate(v);
      r.line_bps = p.rate.line_bps;
      p.rate = r;
    } else if (key == "line_rate") {
      p.rate.line_bps = parse_bits(v);
    } else if (key == "duration") {
      p.duration_s = parse_duration(v);
    } else if (key == "count") {
      p.count = parse_count(v, "count", 1, uint64_t(1) << 48);
    } else {
      throw ProfileError(kv.first, "unknown key '" + key + "'");
    }
  }
  if (p.flows.empty())
    throw ProfileError(root, "flows: missing; a profile needs at least one flow");
  if (p.duration_s > 0 && p.count > 0) throw ProfileError(root, "give duration or count, not both");
  for (const FlowGroup& g : p.flows) {
    for (const SizeMix& m : p.sweep) {
      for (auto [size, weight] : m.sizes) {
        if (size < min_frame_size(g))
          throw ProfileError(root["frame_size"],
                             "frame_size: " + std::to_string(size) +
                                 " B cannot hold the headers of the flow at line " +
                                 std::to_string(g.line) + " (at least " +
                                 std::to_string(min_frame_size(g)) + " B)");
      }
    }
  }
  return p;
}

}  // namespace

uint64_t FlowGroup::instances() const {
  uint64_t ports = protocol == Protocol::icmp ? 1 : uint64_t(src_port.count) * dst_port.count;
  // Up to 2^96: in 64 bits the product could wrap to a count that passes the parser's bound.
  unsigned __int128 n = static_cast<unsigned __int128>(src_ip.count) * dst_ip.count * ports;
  return n > UINT64_MAX ? UINT64_MAX : uint64_t(n);
}

SizeMix simple_imix() {
  return {"imix", {{64, 7}, {570, 4}, {1518, 1}}};
}

uint16_t min_frame_size(const FlowGroup& g) {
  // Ethernet 14 + IP + L4 + FCS 4; UDP and ICMP carry the 8-byte latency stamp in the payload,
  // TCP in its sequence and acknowledgement numbers.
  unsigned ip = g.src_ip.v6 ? 40 : 20;
  unsigned l4 = g.protocol == Protocol::tcp ? 20 : 8 + 8;
  return uint16_t(std::max(64u, 14 + ip + l4 + 4));
}

std::optional<Profile> parse_profile_text(const std::string& text, const std::string& path,
                                          std::string& error) {
  try {
    check_whole_text(text);
    return parse_root(YAML::Load(text), path);
  } catch (const ProfileError& e) {
    error = path + ":" + std::to_string(e.line) + ": " + e.what();
  } catch (const YAML::Exception& e) {
    error = path + ":" + std::to_string(line_of(e.mark)) + ": " + e.msg;
  }
  return std::nullopt;
}

std::optional<Profile> load_profile(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot read the profile";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_profile_text(text.str(), path, error);
}

}  // namespace podwall::gen
