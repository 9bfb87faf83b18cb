// libFuzzer target: any byte string as a manifest file through the loader, the compiler, the
// incremental compiler and classify().
//
// The input is one file, or two versions of it separated by a NUL byte (the loader rejects NUL
// bytes, so the separator never hides a valid manifest). Checks beyond the sanitizers:
//   - every diagnostic names the file, a line inside it (or none) and says something;
//   - a file that loads compiles, and classify(), classify_burst() and explain() agree on
//     every flow between its pods, a few outside addresses, and the ports its objects name;
//   - with two versions: the tables update() patches from the first version's give, on every
//     flow, the verdict and explanation of a full compile of the second, and update() leaves
//     the first version's tables as they were.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "control/compiler/compiler.h"
#include "control/compiler/policy_compiler.h"
#include "control/loader/manifest_file.h"
#include "control/loader/object_store.h"
#include "dataplane/policy/explain.h"
#include "dataplane/policy/tables.h"

namespace {

using namespace podwall;

constexpr const char* kPath = "fuzz.yaml";
constexpr size_t kMaxAddresses = 12;
constexpr size_t kMaxPorts = 8;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_manifest: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_diagnostics(const FileLoad& load, std::string_view bytes) {
  const int lines = int(std::count(bytes.begin(), bytes.end(), '\n')) + 1;
  for (const Diagnostic& d : load.diagnostics) {
    const std::string text = d.to_string();
    if (d.pos.file != kPath || !text.starts_with(std::string(kPath) + ":")) {
      fail("diagnostic names another file", text);
    }
    if (d.pos.line < 0 || d.pos.line > lines || d.pos.column < 0) {
      fail("diagnostic points outside the file", text);
    }
    if (d.pos.line == 0 && d.pos.column != 0) fail("column without a line", text);
    if (d.message.empty()) fail("diagnostic without a reason", text);
  }
}

// The flows worth asking about: every pair of a few pod and outside addresses of one family,
// on the ports the manifests name (and their neighbours), over each protocol.
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
      const uint8_t icmp = src.is_v4() ? 1 : 58;
      flows.push_back({src, dst, icmp, 0});
      for (uint8_t proto : {uint8_t(6), uint8_t(17), uint8_t(132)}) {
        for (uint16_t port : ports) flows.push_back({src, dst, proto, port});
      }
    }
  }
  return flows;
}

std::string verdict_text(Verdict v) {
  return v == Verdict::allow ? "allow" : "deny";
}

std::string describe(const FlowQuery& f) {
  return f.src.to_string() + " -> " + f.dst.to_string() + " proto " + std::to_string(f.ip_proto) +
         " port " + std::to_string(f.dst_port);
}

// What a flow gets from `tables`: its verdict and explanation, as one line.
std::vector<std::string> answers(const PolicyTables& tables, const std::vector<FlowQuery>& flows) {
  std::vector<std::string> out;
  out.reserve(flows.size());
  for (const FlowQuery& flow : flows) {
    Explanation why = explain(tables, flow);
    out.push_back(verdict_text(classify(tables, flow)) + " " + format_explanation(tables, why));
  }
  return out;
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t separator = input.find('\0');
  const std::string_view first = input.substr(0, separator);

  ObjectStore store;
  FileLoad load = parse_manifest_file(kPath, first);
  check_diagnostics(load, first);
  store.replace_file(load);
  const Cluster before = store.merged().cluster;

  PolicyCompiler compiler;
  std::unique_ptr<PolicyTables> tables;
  try {
    tables = compiler.compile(before);
  } catch (const std::length_error&) {
    return 0;  // past the tables' documented limits: refused, as the daemon refuses it
  }
  const std::vector<FlowQuery> flows_before = flows_for(before);
  check_consistent(*tables, flows_before);
  if (separator == std::string_view::npos) return 0;

  const std::string_view second = input.substr(separator + 1);
  FileLoad next = parse_manifest_file(kPath, second);
  check_diagnostics(next, second);
  store.replace_file(next);
  const BuildResult& after = store.merged();

  const std::vector<std::string> previous = answers(*tables, flows_before);
  std::unique_ptr<PolicyTables> patched, full;
  try {
    patched = compiler.update(after.cluster, after.delta, *tables);
    full = compile_policy(after.cluster);
  } catch (const std::length_error&) {
    return 0;
  }
  if (answers(*tables, flows_before) != previous) fail("update() changed its input tables", "");

  const std::vector<FlowQuery> flows_after = flows_for(after.cluster);
  check_consistent(*patched, flows_after);
  const std::vector<std::string> got = answers(*patched, flows_after);
  const std::vector<std::string> want = answers(*full, flows_after);
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) {
      fail(compiler.last_was_patch() ? "patched tables differ from a full compile"
                                     : "update() differs from a full compile",
           describe(flows_after[i]) + "\n  update(): " + got[i] + "\n  full:     " + want[i]);
    }
  }
  return 0;
}
