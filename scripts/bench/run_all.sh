#!/bin/bash
# podwall's benchmark suite, one command: forwarding rates against testpmd (pcap -> null),
# end to end over memif with podwall-gen (zero-loss rate, latency), new flows per second, and
# the classifier against DPDK's ACL library. Prints the tables, writes CSVs and PNG plots into
# the result directory (default /tmp/podwall-bench/results-<date>).
#
#   scripts/bench/run_all.sh [--build DIR] [--out DIR] [--reps N] [--quick]
#
# --quick: one repetition, 64 and 1500 B only, no 512 B; for a smoke run.
# Needs a release build with the benchmark tools:
#   meson setup build-bench -Dbuildtype=release
#   ninja -C build-bench control/daemon/podwall control/cli/podwallctl dataplane/gen/podwall-gen \
#     tests/bench/synthetic_manifests_tool tests/bench/new_flows_bench tests/bench/established_bench \
#     tests/bench/acl_bench
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$repo/build-bench
out=/tmp/podwall-bench/results-$(date +%Y%m%d-%H%M%S)
reps=3
sizes=64,512,1500
skip_e2e=0
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --quick) reps=1; sizes=64,1500; shift ;;
    --no-e2e) skip_e2e=1; shift ;;
    *) echo "usage: $0 [--build DIR] [--out DIR] [--reps N] [--quick] [--no-e2e]" >&2; exit 2 ;;
  esac
done
for tool in control/daemon/podwall control/cli/podwallctl dataplane/gen/podwall-gen \
    tests/bench/synthetic_manifests_tool tests/bench/new_flows_bench tests/bench/established_bench \
    tests/bench/acl_bench; do
  [ -x "$build/$tool" ] || { echo "run_all: $build/$tool missing (see the header)" >&2; exit 1; }
done
mkdir -p "$out"
py=/usr/bin/python3   # Debian's, which has python3-matplotlib

# The machine and its load go into every plot title: numbers from a shared box are only
# comparable within one run.
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs)
echo "$(nproc) x $cpu, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg) at start, $(date -u +%F)" \
  > "$out/machine.txt"
cat "$out/machine.txt"

echo "== forwarding: pcap -> forwarder -> null, 1 worker core =="
$py "$here/forwarding.py" --build "$build" --sizes "$sizes" --reps "$reps" \
  --csv "$out/forwarding.csv" | tee "$out/forwarding.txt"

if [ "$skip_e2e" = 0 ]; then
  echo "== end to end: podwall-gen -> podwall -> podwall-gen over memif =="
  $py "$here/e2e.py" --build "$build" --sizes "$sizes" --csv "$out/e2e.csv" | tee "$out/e2e.txt"
fi

echo "== new flows per second (every frame classified) =="
"$build/tests/bench/new_flows_bench" 10 100 1000 10000 | tee "$out/new_flows.txt"
{ echo "policies,flows_per_s"; sed -n 's/^CSV newflows,//p' "$out/new_flows.txt"; } \
  > "$out/new_flows.csv"

echo "== established flows: ns per frame through decide_burst() =="
"$build/tests/bench/established_bench" 64 1000 10000 | tee "$out/established.txt"
{ echo "flows,ns_per_frame"; sed -n 's/^CSV established,//p' "$out/established.txt"; } \
  > "$out/established.csv"

echo "== classifier vs DPDK ACL on the same policies =="
"$build/tests/bench/acl_bench" 100 1000 10000 50000 | tee "$out/acl.txt"
{ echo "rules,policies,acl_build_s,acl_mib,acl_mcps,pw_build_s,pw_mib,pw_mcps,pw_batch_mcps"
  sed -n 's/^CSV acl,//p' "$out/acl.txt"; } > "$out/acl.csv"

$py "$here/plots.py" "$out"
echo "results in $out"
