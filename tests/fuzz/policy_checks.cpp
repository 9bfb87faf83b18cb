#include "tests/fuzz/policy_checks.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "control/compiler/compiler.h"
#include "dataplane/policy/explain.h"

namespace podwall::fuzz {
namespace {

constexpr size_t kMaxAddresses = 12;
constexpr size_t kMaxPorts = 8;

std::string describe(const FlowQuery& f) {
  return f.src.to_string() + " -> " + f.dst.to_string() + " proto " + std::to_string(f.ip_proto) +
         " port " + std::to_string(f.dst_port);
}

}  // namespace

void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_diagnostics(const std::vector<Diagnostic>& diagnostics, const std::string& path,
                       std::string_view bytes) {
  const int lines = int(std::count(bytes.begin(), bytes.end(), '\n')) + 1;
  for (const Diagnostic& d : diagnostics) {
    const std::string text = d.to_string();
    if (d.pos.file != path || !text.starts_with(path + ":")) {
      fail("diagnostic names another file", text);
    }
    if (d.pos.line < 0 || d.pos.line > lines || d.pos.column < 0) {
      fail("diagnostic points outside the file", text);
    }
    if (d.pos.line == 0 && d.pos.column != 0) fail("column without a line", text);
    if (d.message.empty()) fail("diagnostic without a reason", text);
  }
}

std::vector<FlowQuery> flows_for(const Cluster& cluster) {
  std::vector<IpAddress> addresses;
  for (const Pod& pod : cluster.pods) {
    for (const IpAddress& a : pod.addresses) {
      if (addresses.size() < kMaxAddresses) addresses.push_back(a);
    }
  }
  for (const char* outside : {"198.18.255.254", "10.0.0.1", "2001:db8::1"}) {
    addresses.push_back(*IpAddress::parse(outside));
  }
  std::vector<uint16_t> ports = {80};
  auto add_port = [&](uint32_t p) {
    if (p >= 1 && p <= 65535 && ports.size() < kMaxPorts) ports.push_back(uint16_t(p));
  };
  for (const NetworkPolicy& policy : cluster.policies) {
    for (const auto* rules : {&policy.ingress, &policy.egress}) {
      for (const PolicyRule& rule : *rules) {
        for (const PolicyPort& port : rule.ports) {
          if (!port.port) continue;
          add_port(*port.port);
          add_port(uint32_t(port.end_port.value_or(*port.port)) + 1);
        }
      }
    }
  }
  for (const Pod& pod : cluster.pods) {
    for (const ContainerPort& port : pod.ports) add_port(port.port);
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());

  std::vector<FlowQuery> flows;
  for (const IpAddress& src : addresses) {
    for (const IpAddress& dst : addresses) {
      if (src.family != dst.family || src == dst) continue;
      flows.push_back({src, dst, uint8_t(src.is_v4() ? 1 : 58), 0});
      for (uint8_t proto : {uint8_t(6), uint8_t(17), uint8_t(132)}) {
        for (uint16_t port : ports) flows.push_back({src, dst, proto, port});
      }
    }
  }
  return flows;
}

void check_consistent(const PolicyTables& tables, const std::vector<FlowQuery>& flows) {
  std::vector<Verdict> burst(flows.size());
  classify_burst(tables, flows.data(), uint32_t(flows.size()), burst.data());
  for (size_t i = 0; i < flows.size(); ++i) {
    const Verdict one = classify(tables, flows[i]);
    if (burst[i] != one) fail("classify_burst() and classify() disagree", describe(flows[i]));
    if (explain(tables, flows[i]).verdict != one) {
      fail("explain() and classify() disagree", describe(flows[i]));
    }
  }
}

std::vector<std::string> answers(const PolicyTables& tables, const std::vector<FlowQuery>& flows) {
  std::vector<std::string> out;
  out.reserve(flows.size());
  for (const FlowQuery& flow : flows) {
    const char* verdict = classify(tables, flow) == Verdict::allow ? "allow " : "deny ";
    out.push_back(verdict + format_explanation(tables, explain(tables, flow)));
  }
  return out;
}

void check_same_as_full_compile(const PolicyTables& tables, bool patched, const Cluster& cluster) {
  const std::vector<FlowQuery> flows = flows_for(cluster);
  check_consistent(tables, flows);
  const std::unique_ptr<PolicyTables> full = compile_policy(cluster);
  const std::vector<std::string> got = answers(tables, flows);
  const std::vector<std::string> want = answers(*full, flows);
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) {
      fail(patched ? "patched tables differ from a full compile"
                   : "update() differs from a full compile",
           describe(flows[i]) + "\n  update(): " + got[i] + "\n  full:     " + want[i]);
    }
  }
}

}  // namespace podwall::fuzz
