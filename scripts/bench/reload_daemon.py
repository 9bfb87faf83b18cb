#!/usr/bin/env python3
"""Hot reload latency through the running daemon (net_null ports, no namespaces, no traffic):
from a file landing in the watched directory (rename) to every worker running the new
generation, as `podwallctl wait` sees it, and as the daemon's own status reports it.

  sudo python3 scripts/bench/reload_daemon.py [--scale lab|big] [--changes 100] [--full 10]

lab: config/lab/10-three-tier-zero-trust; big: the synthetic 100,000-pod / 10,000-policy
cluster (written by build/tests/bench/synthetic_manifests_tool, one file per namespace).
One-object change: a label toggled on one pod, or one policy's file rewritten with a port
changed, alternately. Full: `podwallctl reload`. Prints a table. The DPDK-free side (watcher +
loader + compiler only) is build/tests/bench/reload/reload_bench.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "testbed"))
import fabric  # noqa: E402
import names  # noqa: E402


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    if not v:
        return 0.0
    rank = max(1, -(-len(v) * p // 100))
    return v[int(min(rank, len(v))) - 1]


def pod_files(mdir: Path) -> list[Path]:
    return sorted(p for p in mdir.glob("*.yaml") if "kind: Pod" in p.read_text()[:200000])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("lab", "big"), default="lab")
    ap.add_argument("--changes", type=int, default=100)
    ap.add_argument("--full", type=int, default=10)
    ap.add_argument("--build", type=Path, default=ROOT / "build")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (DPDK)")
        return 77
    ctl = args.build / "control/cli/podwallctl"
    run = names.Run()
    work = Path(tempfile.mkdtemp(prefix=f"{names.WORK_PREFIX}{run.rid}-"))
    mdir = work / "manifests"
    if args.scale == "lab":
        shutil.copytree(ROOT / "config/lab/10-three-tier-zero-trust", mdir,
                        ignore=shutil.ignore_patterns("*.tsv", "*.md"))
    else:
        subprocess.run([str(args.build / "tests/bench/synthetic_manifests_tool"), str(mdir),
                        "1000", "100000", "10000"], check=True, capture_output=True)
    dp = fabric.Podwall(args.build / "control/daemon/podwall", run, "af_packet", [], mdir,
                        work / "podwall.log", extra_args=["--debounce-ms", "0"])
    base = dp.command
    dp.command = lambda: (lambda c: c[:c.index("--")] + ["--vdev", "net_null0", "--vdev",
                                                          "net_null1"] + c[c.index("--"):])(base())
    rows = []
    try:
        dp.start(seconds=900)
        staging = work / "staging"
        staging.mkdir()
        full = []
        for _ in range(args.full):
            t0 = time.monotonic()
            r = subprocess.run([str(ctl), "reload", "--socket", str(dp.ctl_socket)],
                               capture_output=True, text=True, timeout=900)
            full.append((time.monotonic() - t0) * 1000)
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
        rows.append(("full reload (podwallctl reload)", full, None))
        files = [p for p in sorted(mdir.glob("*.yaml"))]
        pods = [p for p in files if re.search(r"^kind: Pod", p.read_text(), re.M)]
        pols = [p for p in files if re.search(r"^kind: NetworkPolicy", p.read_text(), re.M)]
        wall = {"pod": [], "policy": []}
        for i in range(args.changes):
            kind = "pod" if i % 2 == 0 else "policy"
            src = (pods if kind == "pod" else pols)[(i // 2) % len(pods if kind == "pod" else pols)]
            text = src.read_text()
            if kind == "pod":
                # Toggle one label on the first pod of the file.
                mark = "podwall.bench/edit"
                if mark in text:
                    text = re.sub(r"\n\s*" + re.escape(mark) + r": \"?x\"?", "", text, count=1)
                else:
                    text = re.sub(r"(kind: Pod\nmetadata:\n(?:  .*\n)*?  labels:\n)(\s+)",
                                  lambda m: m.group(1) + m.group(2) + f'{mark}: "x"\n' + m.group(2),
                                  text, count=1)
            else:
                # Toggle one port number of the first policy of the file.
                text = (text.replace("port: 9998", "port: 9999", 1) if "port: 9998" in text
                        else re.sub(r"port: (\d+)", "port: 9998", text, count=1))
            before = fabric.ctl_request(dp.ctl_socket, {"cmd": "status"}, 600)["generation"]
            tmp = staging / src.name
            tmp.write_text(text)
            t0 = time.monotonic()
            os.replace(tmp, src)
            r = subprocess.run([str(ctl), "wait", str(before + 1), "--socket", str(dp.ctl_socket),
                                "--timeout", "600"], capture_output=True, text=True, timeout=700)
            wall[kind].append((time.monotonic() - t0) * 1000)
            if r.returncode != 0:
                raise RuntimeError(f"change {i} ({src.name}): {r.stderr}")
        status = fabric.ctl_request(dp.ctl_socket, {"cmd": "status"}, 600)
        rows.append(("one pod relabelled", wall["pod"], None))
        rows.append(("one policy edited", wall["policy"], None))
        rows.append(("one-object change (both)", wall["pod"] + wall["policy"], status))
    finally:
        dp.stop()
        log = dp.log_text()
        shutil.rmtree(work, ignore_errors=True)
        run.release()
    print(f"scale {args.scale}: close+rename -> all workers on the new generation "
          f"(podwallctl wait, wall clock, debounce 0)")
    print(f"  {'change':<34} {'n':>4} {'p50 ms':>9} {'p99 ms':>9}")
    for name, values, _ in rows:
        print(f"  {name:<34} {len(values):>4} {pct(values, 50):>9.1f} {pct(values, 99):>9.1f}")
    st = rows[-1][2]
    if st:
        print(f"  daemon's own figures over all {st['latency_samples']} reloads: latency p50 "
              f"{st['latency_p50_ms']:.1f} ms, p99 {st['latency_p99_ms']:.1f} ms; work "
              f"(debounce excluded) p50 {st['work_p50_ms']:.1f} ms, p99 {st['work_p99_ms']:.1f} ms")
    # The daemon logs each reload's work (end of debounce -> every worker on the new
    # generation) and whether it patched; the one-object changes are the last ones.
    reloads = re.findall(
        r"reloaded generation=\d+ in ([\d.]+) ms \(read\+parse ([\d.]+), merge ([\d.]+), "
        r"compile ([\d.]+), publish ([\d.]+);.*?; (patched|full compile: [^)]*)\)",
        log)[-args.changes:] if args.changes else []
    if reloads:
        work = [float(r[0]) for r in reloads]
        patched = sum(1 for r in reloads if r[5] == "patched")
        print(f"  daemon's work per one-object change (its log, debounce excluded): p50 "
              f"{pct(work, 50):.1f} ms, p99 {pct(work, 99):.1f} ms, max {max(work):.1f} ms; "
              f"{patched} of {len(reloads)} patched")
        stages = ("read+parse", "merge", "compile", "publish")
        print("    stage p50 ms: " + ", ".join(
            f"{name} {pct([float(r[i + 1]) for r in reloads], 50):.1f}"
            for i, name in enumerate(stages)))
        for how in sorted({r[5] for r in reloads if r[5] != "patched"}):
            print(f"    {how}")
    errors = re.findall(r"^\S+:\d+:\d+: .*$", log, re.M)  # loader diagnostics, if any
    if errors:
        print("  daemon reported:", *errors[:5], sep="\n    ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
