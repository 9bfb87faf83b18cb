#pragma once
// The `flows.tsv` format shared by the lab scenarios (config/lab) and the semantic rule folders
// (tests/data/semantics): one connection attempt per line,
//   SRC DST PROTO PORT VERDICT [# reason]
// SRC and DST are `namespace/pod` (the pod's first address), `namespace/pod@v6` or
// `namespace/pod@v4` (that family's address), or a literal IPv4/IPv6 address. Blank lines and
// lines starting with '#' are skipped. Test-only code: it reports problems as strings so a
// failing test can name the file and line.

#include <optional>
#include <string>
#include <vector>

#include "control/model.h"
#include "dataplane/policy/classify.h"

namespace podwall {

struct FlowLine {
  std::string file;
  int line = 0;
  std::string text;  // the line as written, for failure messages
  FlowQuery query;
  Verdict expected = Verdict::deny;
};

struct FlowTable {
  std::vector<FlowLine> flows;
  std::vector<std::string> errors;  // "file:line: reason"
};

// Resolves pod references against `cluster`; a reference to an unknown pod, or to a pod without
// an address of the requested family, is an error (the table would test nothing).
FlowTable read_flow_table(const std::string& path, const Cluster& cluster);

// "tcp" -> 6 etc.; "icmp" is 1 for IPv4 and 58 (ICMPv6) for IPv6.
std::optional<uint8_t> protocol_number(const std::string& name, bool ipv6);

}  // namespace podwall
