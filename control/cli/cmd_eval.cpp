// podwallctl eval: verdicts for flow lines read from stdin, from the compiled tables.

#include <cstdio>
#include <iostream>
#include <string>

#include "control/cli/commands.h"
#include "control/cli/flow_line.h"
#include "dataplane/policy/explain.h"

namespace podwall::cli {

int run_eval(const Args& args) {
  auto dir = manifests_dir(args);
  if (!dir) return kExitUsage;
  bool with_reason = args.flag("explain");
  Loaded loaded = load_and_compile(*dir, false);
  if (loaded.unreadable) return kExitInvalid;
  const PolicyTables& tables = *loaded.tables;

  const PodResolver resolve_pod = pod_resolver(loaded.cluster);
  size_t bad_lines = 0, number = 0;
  for (std::string line; std::getline(std::cin, line);) {
    ++number;
    FlowLineResult parsed = parse_flow_line(line, resolve_pod);
    if (!parsed.error.empty()) {
      std::fprintf(stderr, "stdin:%zu: %s\n", number, parsed.error.c_str());
      ++bad_lines;
      continue;
    }
    if (!parsed.flow) continue;  // blank line or comment
    const FlowQuery& flow = *parsed.flow;
    Verdict verdict = classify(tables, flow);
    std::string out = line.substr(0, line.find_last_not_of(" \t\r") + 1);
    if (with_reason) {
      Explanation e = explain(tables, flow);
      out += "  " + address_name(tables, e.src) + " -> " + address_name(tables, e.dst) + ": " +
             format_explanation(tables, e) + " =>";
    }
    out += verdict == Verdict::allow ? " allow" : " deny";
    std::printf("%s\n", out.c_str());
  }
  std::fflush(stdout);
  if (loaded.error_count > 0) {
    std::fprintf(stderr, "%s: %zu manifest error%s; verdicts use the files that loaded\n",
                 dir->c_str(), loaded.error_count, loaded.error_count == 1 ? "" : "s");
  }
  if (bad_lines > 0) {
    std::fprintf(stderr, "stdin: %zu malformed line%s\n", bad_lines, bad_lines == 1 ? "" : "s");
    return kExitInvalid;
  }
  return loaded.error_count > 0 ? kExitInvalid : kExitOk;
}

}  // namespace podwall::cli
