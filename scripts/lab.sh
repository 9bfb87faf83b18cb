#!/usr/bin/env bash
# podwall's main job: the lab, live. For every scenario in config/lab (or those named), it
# builds one network namespace per pod (and per outside host) with a veth whose host end is a
# DPDK port, writes the Pod manifests with their addresses, starts podwall on those ports, waits
# for 'ready generation=1', tries every flow of the scenario's flows.tsv for real (TCP and UDP
# echo, SCTP INIT/INIT-ACK, ICMP echo) and prints expected against observed, then tears it all
# down. Ends with a summary; exits non-zero on any mismatch.
#
#   sudo bash scripts/lab.sh                          every scenario, AF_PACKET ports
#   sudo bash scripts/lab.sh 03 07-ingress-tcp-8080-only
#   sudo bash scripts/lab.sh --port-type tap 10       (or af_xdp)
#   sudo bash scripts/lab.sh --established keep ...   passed on to podwall
#
# Options are scripts/testbed/testbed.py lab's (--port-type, --timeout, --log-dir, ...).
# Traffic stays between the lab's own namespaces (pw-*), on 198.18.0.0/15 and 2001:2::/48.
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "lab: needs root (network namespaces, veths, DPDK ports): sudo bash scripts/lab.sh" >&2
  exit 2
fi

bash scripts/setup.sh || { echo "lab: setup failed" >&2; exit 2; }

# The first python3 that has PyYAML (Debian's python3-yaml is /usr/bin/python3's).
python=
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then
    python=$p
    break
  fi
done
if [[ -z $python ]]; then
  echo "lab: no python3 with PyYAML (apt-get install python3-yaml)" >&2
  exit 2
fi

build_dir=${PODWALL_BUILD:-build}
podwall=$build_dir/control/daemon/podwall
podwallctl=$build_dir/control/cli/podwallctl
if [[ -x $podwall ]]; then
  exec "$python" scripts/testbed/testbed.py lab --podwall "$podwall" --podwallctl "$podwallctl" \
    --log-dir "$build_dir/meson-logs/lab" "$@"
fi

# No dataplane in this build: show what the policy engine says, and say that nothing ran live.
echo "lab: the dataplane is not built ($podwall missing; it needs libdpdk-dev):"
echo "lab: showing the policy engine's view of each scenario instead of live traffic."
if [[ ! -x $podwallctl ]]; then
  echo "lab: podwallctl is not built either" >&2
  exit 2
fi
shopt -s nullglob
scenarios=()
for a in "$@"; do
  [[ $a == -* ]] && continue
  for d in "$a" config/lab/"$a" config/lab/"$a"*; do
    [[ -f $d/flows.tsv ]] && { scenarios+=("$d"); break; }
  done
done
((${#scenarios[@]})) || scenarios=(config/lab/*/)
for d in "${scenarios[@]}"; do
  d=${d%/}
  echo
  echo "== ${d##*/}"
  "$podwallctl" check --manifests "$d"
  "$podwallctl" matrix --manifests "$d"
done
echo
echo "lab: live checks NOT run: the dataplane is not built"
exit 3
