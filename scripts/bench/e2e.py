#!/usr/bin/python3
"""End to end: podwall-gen -> podwall -> podwall-gen over two memif pairs (two processes).

For each config, podwall loads the cluster's manifests with two memif ports (server role);
podwall-gen connects as client, sends 10 allowed and 10 denied flow groups of the cluster
(1,000 source ports each, so 10,000 allowed 5-tuples; verdicts from `podwallctl eval`) and
runs its RFC 2544 search per frame size: the highest rate with loss <= --loss-threshold among
allowed frames, and the latency at that rate. Denied frames received must be 0.

  scripts/bench/e2e.py [--build build-bench] [--configs lab,10k] [--sizes 64,1500]
"""

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import forwarders as fw  # noqa: E402
from workloads import REPO, Workloads  # noqa: E402

GROUPS = 10
PORTS_PER_GROUP = 1000


def profile_text(verdicts, sizes, seconds, policies=True):
    """10 groups the verdicts allow and 10 they deny. Without `policies` (config none: the same
    flows, no policy loaded) every group is expected through, so none of them counts as a
    denied flow delivered."""
    allowed = [k for k, v in sorted(verdicts.items()) if v][:GROUPS]
    denied = [k for k, v in sorted(verdicts.items()) if not v][:GROUPS]
    lines = ["flows:"]
    for verdict, flows in (("allow", allowed), ("deny", denied)):
        expect = verdict if policies else "allow"
        for i, (src, dst, port) in enumerate(flows):
            lines += [f"  - name: {verdict}-{i}", f"    expect: {expect}", "    protocol: tcp",
                      f"    src_ip: {src}", f"    dst_ip: {dst}",
                      f"    src_port: 20000-{20000 + PORTS_PER_GROUP - 1}", f"    dst_port: {port}"]
    lines += [f"frame_size: [{', '.join(map(str, sizes))}]", "rate: unlimited",
              f"duration: {seconds}"]
    return "\n".join(lines) + "\n"


def run_config(args, work, config, tmp):
    manifests = work.manifests(config)
    source = "10k" if config == "none" else config
    path = os.path.join(tmp, f"{config}.yaml")
    with open(path, "w") as f:
        f.write(profile_text(work.verdicts(source), args.sizes.split(","), args.trial,
                             policies=config != "none"))
    socks = [os.path.join(tmp, f"{config}-{i}.sock") for i in (0, 1)]
    fw_prefix, gen_prefix = f"pwe2e{os.getpid()}fw", f"pwe2e{os.getpid()}gen"
    podwall = fw.Podwall(
        os.path.join(args.build, "control", "daemon", "podwall"), fw_prefix,
        f"net_memif0,role=server,socket={socks[0]}", f"net_memif1,role=server,socket={socks[1]}",
        manifests)
    results = []
    try:
        podwall.wait_ready(600)
        gen = subprocess.run(
            # podwall's worker polls lcore 1 = CPU 1; the generator's lcores share CPU 0, so
            # two busy pollers never time-slice one CPU (that alone adds milliseconds).
            [os.path.join(args.build, "dataplane", "gen", "podwall-gen"), "--lcores", "0@0,1@0",
             "--no-huge", "-m", "512", "--no-pci", "--file-prefix", gen_prefix,
             "--vdev", f"net_memif0,role=client,socket={socks[0]}",
             "--vdev", f"net_memif1,role=client,socket={socks[1]}", "--log-level", "*:notice",
             "--", "--profile", path, "--rfc2544", "--trial-duration", str(args.trial),
             "--loss-threshold", str(args.loss_threshold), "--quiet"],
            capture_output=True, text=True, timeout=3600)
        for line in gen.stdout.splitlines():
            if line.startswith("RESULT "):
                r = dict(re.findall(r"(\w+)=(\S+)", line))
                r["config"] = config
                results.append(r)
        if gen.returncode not in (0, 3) or not results:
            print(gen.stdout[-2000:], gen.stderr[-2000:], file=sys.stderr)
    finally:
        podwall.stop() if podwall.proc.poll() is None else None
        podwall.kill()
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--build", default=os.path.join(REPO, "build-bench"))
    p.add_argument("--work", default="/tmp/podwall-bench")
    p.add_argument("--configs", default="none,lab,1k,10k")
    p.add_argument("--sizes", default="64,512,1500")
    p.add_argument("--trial", type=float, default=2.0, help="seconds per RFC 2544 trial")
    p.add_argument("--loss-threshold", type=float, default=0.0, help="percent")
    p.add_argument("--csv", help="write the results here too")
    args = p.parse_args(argv)
    work = Workloads(args.build, args.work)
    rows = []
    with tempfile.TemporaryDirectory(prefix="pw-e2e-") as tmp:
        for config in args.configs.split(","):
            rows += run_config(args, work, config, tmp)
    print(f"end to end over memif (podwall-gen -> podwall -> podwall-gen), RFC 2544 loss <= "
          f"{args.loss_threshold}%, load average {fw.load_average():.1f}")
    print(f"{'config':<7} {'frame':>5} {'Mpps':>8} {'lat p50 us':>11} {'p99 us':>9} {'max us':>9} "
          f"{'denied rx':>10}")
    for r in rows:
        print(f"{r['config']:<7} {r['size']:>5} {float(r['offered_pps']) / 1e6:>8.3f} "
              f"{int(r['lat_p50_ns']) / 1e3:>11.1f} {int(r['lat_p99_ns']) / 1e3:>9.1f} "
              f"{int(r['lat_max_ns']) / 1e3:>9.1f} {r['denied_rx']:>10}")
    if args.csv and rows:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["config", "size", "offered_pps", "lat_min_ns",
                                              "lat_p50_ns", "lat_p99_ns", "lat_max_ns",
                                              "denied_rx", "allowed_lost", "loss_pct"],
                               extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    return rows


if __name__ == "__main__":
    main()
