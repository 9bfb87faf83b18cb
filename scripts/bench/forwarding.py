#!/usr/bin/python3
"""Forwarding benchmark: net_pcap (infinite_rx) -> forwarder -> net_null, one worker core.

Forwarders: dpdk-testpmd in io mode (the ceiling) and podwall with no policies, the lab
(config/lab/10-three-tier-zero-trust), and 1,000 / 10,000 synthetic policies over 100,000 pods.
Each workload is 10,000 distinct IPv4 TCP flows between pods of the cluster under test (a SYN,
then ACKs), all allowed or alternately allowed and denied by `podwallctl eval`. For every pcap,
testpmd and podwall run back to back on the same ports, packets and core; each point is run
--reps times and the median is printed. The rate is frames read per second from the pcap port
(what the forwarder processed); with half the flows denied podwall sends half of that.

Denied delivered: from podwall's exact exit counters (see accounting.py), and, with
--capture (default on), by capturing what podwall sends for a few seconds into a pcap and
looking for frames of denied flows.

  scripts/bench/forwarding.py [--build build-bench] [--sizes 64,1500] [--reps 3]
"""

import argparse
import csv
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import accounting  # noqa: E402
import forwarders as fw  # noqa: E402
from workloads import CONFIGS, REPO, Workloads  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--build", default=os.path.join(REPO, "build-bench"),
                   help="meson build directory (release) with podwall, podwallctl and "
                        "tests/bench/synthetic_manifests_tool")
    p.add_argument("--work", default="/tmp/podwall-bench", help="manifests, verdicts, pcaps")
    p.add_argument("--configs", default="none,lab,1k,10k")
    p.add_argument("--sizes", default="64,1500", help="Ethernet frame sizes with FCS")
    p.add_argument("--mixes", default="allowed,half")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--warmup", type=float, default=3.0, help="seconds before the window")
    p.add_argument("--window", type=float, default=5.0, help="measured seconds")
    p.add_argument("--flows", type=int, default=10000)
    p.add_argument("--acks", type=int, default=3, help="ACK frames per flow after its SYN")
    p.add_argument("--no-capture", action="store_true", help="skip the capture check")
    p.add_argument("--csv", help="write the results here too")
    return p.parse_args(argv)


class Bench:
    def __init__(self, args):
        self.args = args
        self.podwall = os.path.join(args.build, "control", "daemon", "podwall")
        for tool in (self.podwall, os.path.join(args.build, "control", "cli", "podwallctl"),
                     os.path.join(args.build, "tests", "bench", "synthetic_manifests_tool")):
            if not os.access(tool, os.X_OK):
                sys.exit(f"forwarding: {tool} missing; build it first:\n"
                         f"  meson setup {args.build} -Dbuildtype=release && ninja -C "
                         f"{args.build} control/daemon/podwall control/cli/podwallctl "
                         f"tests/bench/synthetic_manifests_tool")
        self.work = Workloads(args.build, args.work, args.flows, args.acks)
        self.prefix = f"pwbench{os.getpid()}"

    def run_testpmd(self, pcap):
        t = fw.Testpmd(self.prefix, fw.pcap_rx(pcap), fw.NULL_TX)
        try:
            t.wait_ready(120)
            rate = fw.measure(self.prefix, self.args.warmup, self.args.window)
        finally:
            t.kill() if t.proc.stdin.closed else t.stop()
        return rate

    def run_podwall(self, config, pcap, flows):
        p = fw.Podwall(self.podwall, self.prefix, fw.pcap_rx(pcap), fw.NULL_TX,
                       self.work.manifests(config))
        try:
            p.wait_ready(300)
            rate = fw.measure(self.prefix, self.args.warmup, self.args.window)
            counters = p.stop()
        finally:
            p.kill()
        delivered, lost, problems = accounting.check_counters(flows, self.args.acks, counters)
        rate.update(denied_delivered=delivered, allowed_lost=lost, problems=problems)
        return rate

    def capture_check(self, config, pcap, flows, seconds=3.0):
        """Frames of denied flows in a capture of podwall's output (pcap sink, not null)."""
        out = os.path.join(self.args.work, f"capture-{config}.pcap")
        p = fw.Podwall(self.podwall, self.prefix, fw.pcap_rx(pcap), f"net_pcap1,tx_pcap={out}",
                       self.work.manifests(config))
        try:
            p.wait_ready(300)
            time.sleep(seconds)
            p.stop()
        finally:
            p.kill()
        frames = sum(1 for _ in accounting.pcapgen.read_pcap_tuples(out))
        denied = accounting.denied_in_capture(out, flows)
        os.remove(out)
        return frames, denied

    def points(self):
        """(size, mix, pcap key, [configs]) in run order: configs sharing a pcap run together."""
        a = self.args
        configs = a.configs.split(",")
        for size in map(int, a.sizes.split(",")):
            for mix in a.mixes.split(","):
                groups = {}
                for c in configs:
                    if c not in CONFIGS:
                        sys.exit(f"forwarding: unknown config {c}")
                    groups.setdefault("10k" if c == "none" else c, []).append(c)
                for key, members in groups.items():
                    yield size, mix, key, members

    def run(self):
        a = self.args
        results = {}  # (config, size, mix) -> list of runs
        ceilings = {}  # (pcap key, size, mix) -> list of testpmd runs
        loads = []
        for rep in range(a.reps):
            for size, mix, key, members in self.points():
                pcap, _ = self.work.pcap(key, mix, size)
                loads.append(fw.load_average())
                t = self.run_testpmd(pcap)
                ceilings.setdefault((key, size, mix), []).append(t)
                log(f"rep {rep + 1} {size}B {mix} testpmd: {t['rx_pps'] / 1e6:.3f} Mpps")
                for config in members:
                    _, flows = self.work.pcap(config, mix, size)
                    r = self.run_podwall(config, pcap, flows)
                    r["ratio"] = r["rx_pps"] / t["rx_pps"]
                    results.setdefault((config, size, mix), []).append(r)
                    log(f"rep {rep + 1} {size}B {mix} podwall {config}: "
                        f"{r['rx_pps'] / 1e6:.3f} Mpps ratio {r['ratio']:.2f} denied_delivered "
                        f"{r['denied_delivered']} allowed_lost {r['allowed_lost']} "
                        f"{' '.join(r['problems'])}")
        captures = {}
        if not a.no_capture:
            size = min(map(int, a.sizes.split(",")))
            for size_, mix, key, members in self.points():
                if size_ != size or mix != "half":
                    continue
                for config in members:
                    pcap, flows = self.work.pcap(config, mix, size)
                    captures[config] = self.capture_check(config, pcap, flows)
                    log(f"capture {config}: {captures[config][0]} frames sent, "
                        f"{captures[config][1]} of denied flows")
        return summarise(results, ceilings, captures, loads)


def summarise(results, ceilings, captures, loads):
    rows = []
    for (config, size, mix), runs in results.items():
        key = "10k" if config == "none" else config
        t = ceilings[(key, size, mix)]
        rows.append({
            "config": config, "frame": size, "mix": mix, "runs": len(runs),
            "mpps": statistics.median(r["rx_pps"] for r in runs) / 1e6,
            "tx_mpps": statistics.median(r["tx_pps"] for r in runs) / 1e6,
            "testpmd_mpps": statistics.median(x["rx_pps"] for x in t) / 1e6,
            "ratio": statistics.median(r["ratio"] for r in runs),
            "denied_delivered": max(r["denied_delivered"] for r in runs),
            "allowed_lost": max(r["allowed_lost"] for r in runs),
            "counter_problems": sum(len(r["problems"]) for r in runs),
            "capture_denied": captures.get(config, (None, None))[1] if mix == "half" else None,
        })
    return rows, statistics.median(loads) if loads else 0.0


def log(text):
    print(text, file=sys.stderr, flush=True)


def print_table(rows, load):
    print(f"forwarding: net_pcap -> forwarder -> net_null, 1 worker core, median of runs; "
          f"load average during the runs (median): {load:.1f} on {os.cpu_count()} cores")
    head = (f"{'config':<7} {'mix':<8} {'frame':>5} {'Mpps':>7} {'tx Mpps':>8} {'testpmd':>8} "
            f"{'ratio':>6} {'denied delivered':>17} {'allowed lost':>13} {'runs':>4}")
    print(head)
    print("-" * len(head))
    order = {"none": 0, "lab": 1, "1k": 2, "10k": 3}
    for r in sorted(rows, key=lambda r: (r["frame"], r["mix"], order.get(r["config"], 9))):
        denied = str(r["denied_delivered"])
        if r["capture_denied"] is not None:
            denied += f" (capture {r['capture_denied']})"
        print(f"{r['config']:<7} {r['mix']:<8} {r['frame']:>5} {r['mpps']:>7.3f} "
              f"{r['tx_mpps']:>8.3f} {r['testpmd_mpps']:>8.3f} {r['ratio']:>6.2f} {denied:>17} "
              f"{r['allowed_lost']:>13} {r['runs']:>4}")


def write_csv(path, rows, load):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) + ["load"])
        w.writeheader()
        for r in rows:
            w.writerow({**r, "load": f"{load:.1f}"})


def main(argv=None):
    args = parse_args(argv)
    rows, load = Bench(args).run()
    print_table(rows, load)
    if args.csv:
        write_csv(args.csv, rows, load)
    return 1 if any(r["denied_delivered"] or r["capture_denied"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
