// podwallctl check: validate a manifest directory; usable as a CI gate (exit 1 on any error).

#include <cstdio>

#include "control/cli/commands.h"

namespace podwall::cli {

int run_check(const Args& args) {
  auto dir = manifests_dir(args);
  if (!dir) return kExitUsage;
  Loaded loaded = load_and_compile(*dir, !args.flag("quiet"));
  if (loaded.error_count > 0) {
    std::fprintf(stderr, "%s: %zu error%s\n", dir->c_str(), loaded.error_count,
                 loaded.error_count == 1 ? "" : "s");
    return kExitInvalid;
  }
  const TableStats& s = loaded.tables->stats;
  std::printf(
      "%s: ok: %zu files, %zu namespaces, %zu pods (%zu addresses), %zu policies, "
      "%zu identities, %zu namespace classes, %zu pod classes, %zu isolation groups, %zu IP sets, "
      "%zu CIDR classes, %zu allow entries, "
      "%zu table bytes\n",
      dir->c_str(), loaded.files, s.namespaces, s.pods, s.endpoints, s.policies, s.identities,
      s.namespace_classes, s.pod_classes, s.groups, s.ip_sets, s.cidr_classes, s.allow_entries,
      s.bytes);
  return kExitOk;
}

}  // namespace podwall::cli
