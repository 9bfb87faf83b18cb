#!/usr/bin/env python3
"""Hot reload, live: the daemon follows its manifest directory while traffic flows (issue 4).

One case per run (tests/live/meson.build registers each):
  hot_reload_test.py walk DIR
      a lab scenario walked through by file operations: start with its pods only (everything
      allowed), rename policies.yaml in, move it out, write it in place inside a new
      sub-directory, delete it; after each step `podwallctl wait` for the new generation, then
      every flow's live verdict must match (the scenario's table, or allow without policies)
  hot_reload_test.py errors DIR
      a syntax error, then a semantic error in policies.yaml: verdicts unchanged, `status` lists
      the file with line and column; fixing the file applies it
  hot_reload_test.py configmap DIR
      the directory laid out as a Kubernetes ConfigMap volume (..data -> ..TIMESTAMP, visible
      names symlinks through ..data); the data swapped atomically without, then with, policies
  hot_reload_test.py under-load
      tests/data/live/reload-under-load: counted UDP streams from several pods while the policy
      file is rewritten 100 times between versions A and B; on the flows where A and B agree,
      zero datagrams may be wrongly dropped and zero wrongly passed
  hot_reload_test.py leak
      1,000 reloads (two policy versions alternating, no traffic, net_null ports): the daemon's
      RSS after the last is within 5% of its RSS after the first
Exit status: 0 passed, 1 failed, 77 skipped (not root, or podwall/podwallctl not built).
"""
from __future__ import annotations

import argparse
import json
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
from harness import Interrupted, Skip, check_worker_handoff, lcores, run_main  # noqa: E402
import lab  # noqa: E402
import names  # noqa: E402
import netns  # noqa: E402
from scenario import Scenario  # noqa: E402
from topology import LineReader, Testbed, stop_process  # noqa: E402

DATA = ROOT / "tests" / "data" / "live"
STREAM = Path(__file__).resolve().parent / "udp_stream.py"
WAIT_SECONDS = 30


class Failed(Exception):
    pass


def require(args) -> None:
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces, veths, DPDK ports)")
    for binary in (args.podwall, args.podwallctl):
        if not Path(binary).exists():
            raise Skip(f"not built: {binary}")


# -- talking to the daemon -----------------------------------------------------------------

class Control:
    """The daemon's control socket: JSON lines directly, and podwallctl where the test is
    about podwallctl itself."""

    def __init__(self, ctl: Path, sock: Path):
        self.ctl = Path(ctl)
        self.sock = Path(sock)

    def request(self, obj: dict, seconds: float = 30) -> dict:
        return fabric.ctl_request(self.sock, obj, seconds)

    def status(self) -> dict:
        return self.request({"cmd": "status"})

    def generation(self) -> int:
        return int(self.status()["generation"])

    def wait(self, generation: int, seconds: float = WAIT_SECONDS) -> None:
        """podwallctl wait GENERATION: the way scripts are meant to follow a change."""
        r = subprocess.run([str(self.ctl), "wait", str(generation), "--socket", str(self.sock),
                            "--timeout", str(seconds)], capture_output=True, text=True,
                           timeout=seconds + 10)
        if r.returncode != 0:
            raise Failed(f"podwallctl wait {generation}: {r.stderr.strip() or r.stdout.strip()}")

    def wait_socket(self, generation: int, seconds: float = WAIT_SECONDS) -> None:
        r = self.request({"cmd": "wait", "generation": generation,
                          "timeout_ms": int(seconds * 1000)}, seconds + 5)
        if not r.get("ok"):
            raise Failed(f"wait {generation}: {r}")

    def status_text(self) -> str:
        r = subprocess.run([str(self.ctl), "status", "--socket", str(self.sock)],
                           capture_output=True, text=True, timeout=30)
        return r.stdout + r.stderr


# -- a testbed with the daemon on it ---------------------------------------------------------

class Live:
    """Builds the scenario's testbed, starts podwall on a manifest directory the test writes,
    probes flows; tears everything down (by PID, by name) whatever happens."""

    def __init__(self, args, scenario: Scenario, label: str):
        self.args = args
        self.scenario = scenario
        self.label = label
        self.run = names.Run()
        self.bed = Testbed(scenario, "af_packet", run=self.run)
        self.dp: fabric.Podwall | None = None
        self.ctl: Control | None = None
        self.printer = lab.Printer(False)
        self.mismatches = 0
        self.workers = getattr(args, "workers", 1)
        log_dir = Path(args.log_dir or lab.DEFAULT_LOG_DIR)
        if self.workers > 1:
            log_dir /= f"workers-{self.workers}"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"hot-reload-{label}.log"

    def start(self, manifest_dir: Path, servers: bool = True, extra: list[str] = (),
              vdevs: list[str] = (), flow_log: Path | None = None) -> None:
        self.dp = fabric.Podwall(self.args.podwall, self.run, "af_packet", self.bed.ports(),
                                 manifest_dir, self.log_path, extra_args=list(extra),
                                 extra_vdevs=list(vdevs), lcores=lcores(self.workers),
                                 flow_log=flow_log)
        self.dp.start()
        self.ctl = Control(self.args.podwallctl, self.dp.ctl_socket)
        if servers:
            self.bed.start_servers()

    def close(self) -> int | None:
        status = self.dp.stop() if self.dp else None
        self.bed.teardown()
        self.run.release()
        return status

    def change(self, what: str, action) -> int:
        """Runs `action` (a file operation), then waits for the next generation."""
        before = self.ctl.generation()
        action()
        self.ctl.wait(before + 1)
        now = self.ctl.generation()
        print(f"\n-- {what}: generation {now} live on every worker (podwallctl wait {before + 1})",
              flush=True)
        return now

    def check(self, title: str, flows, expected_all: str | None = None) -> int:
        """Probes every flow (a few at a time) against its expected verdict, or `expected_all`."""
        res = lab.Result(f"{self.label}: {title}", "podwall", "af_packet")
        self.printer.header(res, self.scenario, title)
        rows = [lab.Row(f, expected_all or f.expected) for f in flows]
        bad = 0
        for row in lab.probe_rows(self.bed, rows, self.args.timeout, jobs=4):
            self.printer.row(row)
            bad += row.status == "MISMATCH"
        self.mismatches += bad
        return bad


def write_by_rename(text_or_src, dest: Path, staging: Path) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f".{dest.name}.{os.getpid()}.tmp"
    if isinstance(text_or_src, Path):
        shutil.copyfile(text_or_src, tmp)
    else:
        tmp.write_text(text_or_src)
    os.replace(tmp, dest)


def run_case(args, label: str, body) -> int:
    """Runs body(live) with clean-up and a verdict line."""
    failures = 0
    live = body.live
    try:
        failures += body(live)
    except (Skip, Interrupted):
        raise
    except Exception as e:  # noqa: BLE001 - reported with the daemon's log, then torn down
        print(f"\n  ERROR: {e.__class__.__name__}: {e}", flush=True)
        failures += 1
    finally:
        status = live.close()
    if status not in (0, None):
        print(f"podwall exited with status {status}")
        failures += 1
    if live.dp:
        failures += check_worker_handoff(live.dp.log_text(), live.workers)
    if failures and live.dp:
        print(f"--- {live.dp.log_path} (last lines)\n{live.dp.log_tail(40)}")
    print(f"\n{label}: {'PASS' if not failures else f'{failures} failure(s)'}", flush=True)
    return 0 if not failures else 1


# -- cases -----------------------------------------------------------------------------------

def case_walk(args) -> int:
    scenario = Scenario(Path(args.dir))
    policies = scenario.path / "policies.yaml"
    if not policies.exists():
        raise Skip(f"{scenario.name} has no policies.yaml to walk with")
    live = Live(args, scenario, f"walk-{scenario.name}")

    def body(live: Live) -> int:
        live.bed.build()
        live.bed.write_manifests()
        mdir = live.bed.manifest_dir
        (mdir / "policies.yaml").unlink()  # start with namespaces and pods only
        live.start(mdir)
        live.check("no policies yet: everything allowed", scenario.flows, "allow")
        staging = live.bed.work / "staging"
        live.change("policies.yaml renamed in",
                    lambda: write_by_rename(policies, mdir / "policies.yaml", staging))
        live.check("policies.yaml in force", scenario.flows)
        live.change("policies.yaml renamed out of the directory",
                    lambda: os.replace(mdir / "policies.yaml", staging / "policies.yaml"))
        live.check("policies moved out: everything allowed", scenario.flows, "allow")

        def write_in_subdir():
            (mdir / "team").mkdir()
            time.sleep(0.1)  # let the watcher add the new directory before the file appears
            (mdir / "team" / "policies.yaml").write_text(policies.read_text())
        live.change("policies.yaml written in place in a new sub-directory", write_in_subdir)
        live.check("policies in a sub-directory in force", scenario.flows)
        live.change("policies.yaml deleted", lambda: (mdir / "team" / "policies.yaml").unlink())
        live.check("policies deleted: everything allowed", scenario.flows, "allow")
        return live.mismatches

    body.live = live
    return run_case(args, f"walk {scenario.name}", body)


def case_errors(args) -> int:
    scenario = Scenario(Path(args.dir))
    policies = scenario.path / "policies.yaml"
    live = Live(args, scenario, f"errors-{scenario.name}")

    def body(live: Live) -> int:
        live.bed.build()
        live.bed.write_manifests()
        mdir = live.bed.manifest_dir
        target = mdir / "policies.yaml"
        live.start(mdir)
        failures = live.check("as written", scenario.flows)
        good = policies.read_text()
        # If any broken version were applied it would change verdicts: the syntax error
        # hides the policies after it, the semantic error opens everything. A document that is
        # only a ',' once kept the control thread parsing forever (no generation came).
        syntax = good + "\n---\nkind: NetworkPolicy\nmetadata: {name: broken, namespace: [\n"
        semantic = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
                    "  name: allow-all\n  namespace: default\nspec:\n  podSelector: {}\n"
                    "  ingress:\n    - ports:\n        - port: 70000\n")
        stray_comma = good + "\n---\n,\n"
        for kind, text in (("syntax", syntax), ("semantic", semantic),
                           ("stray-comma", stray_comma)):
            live.change(f"policies.yaml rewritten with a {kind} error",
                        lambda: target.write_text(text))
            status = live.ctl.status()
            errors = [e for e in status["errors"] if "policies.yaml:" in e]
            print("  status errors:\n" + "\n".join("    " + e for e in status["errors"]))
            positioned = [e for e in errors if re.search(r"policies\.yaml:\d+:\d+: ", e)]
            if not positioned:
                print("  MISMATCH: status shows no positioned error for policies.yaml")
                failures += 1
            text_out = live.ctl.status_text()
            if "policies.yaml:" not in text_out:
                print(f"  MISMATCH: podwallctl status does not list the error:\n{text_out}")
                failures += 1
            failures += live.check(f"after the {kind} error: verdicts unchanged", scenario.flows)
        live.change("policies.yaml fixed", lambda: write_by_rename(policies, target,
                                                                  live.bed.work / "staging"))
        if live.ctl.status()["errors"]:
            print(f"  MISMATCH: errors remain after the fix: {live.ctl.status()['errors']}")
            failures += 1
        print(live.ctl.status_text())
        failures += live.check("after the fix", scenario.flows)
        return failures

    body.live = live
    return run_case(args, f"errors {scenario.name}", body)


def case_configmap(args) -> int:
    scenario = Scenario(Path(args.dir))
    live = Live(args, scenario, f"configmap-{scenario.name}")

    def body(live: Live) -> int:
        live.bed.build()
        # What kubelet's atomic writer builds: ..TIMESTAMP/ with the data, ..data -> it, and
        # every visible name a symlink through ..data.
        mdir = live.bed.work / "configmap"
        mdir.mkdir()
        full = live.bed.write_manifests(target=mdir / "..2024_01_01_00_00_00.1")
        (mdir / "..data").symlink_to(full.name)
        for f in sorted(full.iterdir()):
            (mdir / f.name).symlink_to(Path("..data") / f.name)
        live.start(mdir)
        failures = live.check("ConfigMap with policies", scenario.flows)

        def swap(version: str, keep_policies: bool):
            new = live.bed.write_manifests(target=mdir / f"..2024_01_01_00_00_00.{version}")
            if not keep_policies:
                (new / "policies.yaml").unlink()
            old = (mdir / "..data").resolve()
            tmp = mdir / "..data_tmp"
            tmp.symlink_to(new.name)
            os.replace(tmp, mdir / "..data")
            if not keep_policies:
                (mdir / "policies.yaml").unlink()  # kubelet removes names no longer in the data
            elif not (mdir / "policies.yaml").is_symlink():
                (mdir / "policies.yaml").symlink_to(Path("..data") / "policies.yaml")
            shutil.rmtree(old)

        live.change("..data swapped to a version without policies", lambda: swap("2", False))
        failures += live.check("no policies: everything allowed", scenario.flows, "allow")
        live.change("..data swapped back to a version with policies", lambda: swap("3", True))
        failures += live.check("policies again", scenario.flows)
        return failures

    body.live = live
    return run_case(args, f"configmap {scenario.name}", body)


def case_under_load(args) -> int:
    folder = DATA / "reload-under-load"
    scenario = Scenario(folder)
    flows_b = scenario.read_flows(folder / "b" / "flows.tsv")
    live = Live(args, scenario, "under-load")
    agree = [(fa, fb) for fa, fb in zip(scenario.flows, flows_b) if fa.expected == fb.expected]
    differ = [fa for fa, fb in zip(scenario.flows, flows_b) if fa.expected != fb.expected]

    def body(live: Live) -> int:
        live.bed.build()
        # Version A is in force before the first datagram: the streams start only once the
        # daemon runs it, so every counted packet met a policy, never an open cluster.
        live.bed.write_manifests(extra=[folder / "a" / "policies.yaml"])
        mdir = live.bed.manifest_dir
        live.start(mdir, servers=False)
        procs = []

        def spawn(ns: str, cmd: list[str], role: str) -> subprocess.Popen:
            p = subprocess.Popen(netns.in_ns(ns, [sys.executable, str(STREAM)] + cmd),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            live.run.record_process(p.pid, role)
            procs.append(p)
            return p

        def finish(p: subprocess.Popen) -> dict:
            try:
                p.stdin.close()
            except OSError:
                pass
            line = LineReader(p.stdout).line(time.monotonic() + 15)
            stop_process(p)
            try:
                return json.loads(line)
            except ValueError:
                raise Failed(f"stream agent gave no result: {line!r} "
                             f"{p.stderr.read().decode(errors='replace')[-300:]}") from None

        try:
            sinks = {}
            ports_by_dst: dict[str, set[int]] = {}
            for f in scenario.flows:
                ports_by_dst.setdefault(f.dst_ep.key, set()).add(f.port)
            for key, ports in ports_by_dst.items():
                att = live.bed.attachment(key)
                cmd = ["sink", "--address", att.endpoint.addresses[0], "--max-seconds", "600"]
                for port in sorted(ports):
                    cmd += ["--port", str(port)]
                p = spawn(att.ns, cmd, f"sink {att.ns}")
                if LineReader(p.stdout).line(time.monotonic() + 15).strip() != "ready":
                    raise Failed(f"sink in {att.ns} not ready")
                sinks[key] = p
            senders = []
            for f in scenario.flows:
                att = live.bed.attachment(f.src_ep.key)
                p = spawn(att.ns, ["send", "--src", f.src_ip, "--dst", f.dst_ip, "--port",
                                   str(f.port), "--rate", str(args.rate), "--max-seconds", "600"],
                          f"send {att.ns}")
                senders.append((f, p))
            time.sleep(2.0)  # warm-up datagrams, then counted ones flowing

            started = time.monotonic()
            versions = [folder / "b" / "policies.yaml", folder / "a" / "policies.yaml"]
            staging = live.bed.work / "staging"
            target = mdir / "policies.yaml"
            for i in range(args.rewrites):
                before = live.ctl.generation()
                write_by_rename(versions[i % 2], target, staging)
                live.ctl.wait_socket(before + 1)
                time.sleep(0.05)
            seconds = time.monotonic() - started
            time.sleep(0.5)
            sent = {f.line: finish(p)["sent"] for f, p in senders}
            time.sleep(1.0)  # the last datagrams in flight
            counts = {}
            for key, p in sinks.items():
                counts.update(finish(p)["counts"])
        finally:
            for p in procs:
                stop_process(p)

        status = live.ctl.status()
        print(f"\n  {args.rewrites} rewrites between versions A and B in {seconds:.1f}s; "
              f"generation {status['generation']}, reload latency p50 "
              f"{status['latency_p50_ms']:.1f} ms, p99 {status['latency_p99_ms']:.1f} ms")
        print(f"  {'flow':<48} {'A':<6} {'B':<6} {'sent':>7} {'received':>9}  result")
        wrongly_dropped = wrongly_passed = 0
        for fa, fb in agree:
            got = counts.get(f"{fa.src_ip} {fa.port}", 0)  # counted at the destination
            n = sent[fa.line]
            if fa.expected == "allow":
                lost = n - got
                wrongly_dropped += max(0, lost)
                ok = lost == 0 and n > 0
            else:
                wrongly_passed += got
                ok = got == 0 and n > 0
            print(f"  {fa.text:<48} {fa.expected:<6} {fb.expected:<6} {n:>7} {got:>9}  "
                  f"{'OK' if ok else 'MISMATCH'}")
        for f in differ:
            got = counts.get(f"{f.src_ip} {f.port}", 0)
            print(f"  {f.text:<48} {'(differ: not counted)':<13} {sent[f.line]:>7} {got:>9}")
        print(f"\n  agreeing flows: wrongly dropped {wrongly_dropped}, wrongly passed "
              f"{wrongly_passed} (both must be 0)")
        bad = int(wrongly_dropped > 0) + int(wrongly_passed > 0)
        if any(sent[fa.line] == 0 for fa, _ in agree):
            print("  MISMATCH: some stream sent nothing")
            bad += 1
        return bad

    body.live = live
    return run_case(args, "under-load", body)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise Failed(f"no VmRSS for {pid}")


def case_leak(args) -> int:
    run = names.Run()
    work = Path(tempfile.mkdtemp(prefix=f"{names.WORK_PREFIX}{run.rid}-"))
    lab10 = ROOT / "config" / "lab" / "10-three-tier-zero-trust"
    mdir = work / "manifests"
    mdir.mkdir()
    for name in ("namespaces.yaml", "pods.yaml", "policies.yaml"):
        shutil.copyfile(lab10 / name, mdir / name)
    good = (lab10 / "policies.yaml").read_text()
    # Two other versions: the same policies minus the last document (a policy removed: a full
    # compile), and one port number moved (a policy edited in place: the previous tables are
    # patched). Cycling other, good, edited, good exercises both ways of building a generation.
    other = "---".join(good.split("---")[:-1]) if "---" in good else ""
    edited = re.sub(r"port: (\d+)", lambda m: f"port: {int(m.group(1)) % 65535 + 1}", good,
                    count=1)
    versions = (other, good, edited, good)
    log_dir = Path(args.log_dir or lab.DEFAULT_LOG_DIR)
    log_dir.mkdir(parents=True, exist_ok=True)
    # No traffic needed: two net_null ports (workers poll them as they would real ones).
    dp = fabric.Podwall(args.podwall, run, "af_packet", [], mdir, log_dir / "hot-reload-leak.log",
                        extra_args=["--debounce-ms", "1"])
    base_command = dp.command

    def command() -> list[str]:
        cmd = base_command()
        i = cmd.index("--")
        return cmd[:i] + ["--vdev", "net_null0", "--vdev", "net_null1"] + cmd[i:]
    dp.command = command
    failures = 0
    try:
        dp.start()
        ctl = Control(args.podwallctl, dp.ctl_socket)
        pid = dp.proc.p.pid
        target = mdir / "policies.yaml"
        staging = work / "staging"
        samples = []
        started = time.monotonic()
        for i in range(args.reloads):
            before = ctl.generation()
            write_by_rename(versions[i % len(versions)], target, staging)
            ctl.wait_socket(before + 1)
            if i == 0:
                rss_first = rss_kib(pid)
            if (i + 1) % 100 == 0:
                samples.append((i + 1, rss_kib(pid)))
        seconds = time.monotonic() - started
        time.sleep(0.5)
        rss_last = rss_kib(pid)
        status = ctl.status()
        print(f"  {args.reloads} reloads in {seconds:.1f}s; generation {status['generation']}; "
              f"reload latency p50 {status['latency_p50_ms']:.1f} ms, "
              f"p99 {status['latency_p99_ms']:.1f} ms")
        print("  RSS after reload 1: %d KiB" % rss_first)
        for n, kib in samples:
            print(f"  RSS after reload {n}: {kib} KiB")
        growth = (rss_last - rss_first) / rss_first * 100
        ok = rss_last <= rss_first * 1.05
        print(f"  RSS at the end: {rss_last} KiB ({growth:+.1f}% against reload 1; "
              f"limit +5%): {'OK' if ok else 'MISMATCH'}")
        failures += not ok
        # Half the changes are in-place edits: most of those must have been patched, or the
        # patched path's garbage went untested here.
        patched = status.get("patched_reloads", 0)
        print(f"  {patched} of {status['reloads']} reloads patched the previous tables")
        if patched < args.reloads // 4:
            print("  MISMATCH: too few patched reloads")
            failures += 1
        if status["generation"] < args.reloads + 1:
            print("  MISMATCH: fewer generations than reloads")
            failures += 1
    except (Skip, Interrupted):
        raise
    except Exception as e:  # noqa: BLE001
        print(f"\n  ERROR: {e.__class__.__name__}: {e}", flush=True)
        failures += 1
    finally:
        status = dp.stop()
        shutil.rmtree(work, ignore_errors=True)
        run.release()
    if status not in (0, None):
        print(f"podwall exited with status {status}")
        failures += 1
    if failures:
        print(f"--- {dp.log_path} (last lines)\n{dp.log_tail(40)}")
    print(f"\nleak: {'PASS' if not failures else f'{failures} failure(s)'}")
    return 0 if not failures else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=("walk", "errors", "configmap", "under-load", "leak"))
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--podwall", type=Path, default=ROOT / "build/control/daemon/podwall")
    ap.add_argument("--podwallctl", type=Path, default=ROOT / "build/control/cli/podwallctl")
    ap.add_argument("--timeout", type=float, default=1.5)
    ap.add_argument("--rewrites", type=int, default=100)
    ap.add_argument("--rate", type=float, default=200, help="datagrams per second per stream")
    ap.add_argument("--reloads", type=int, default=1000)
    ap.add_argument("--log-dir", type=Path)
    ap.add_argument("--workers", type=int, choices=(1, 2, 3), default=1,
                    help="poll-mode workers; beyond one they share CPU 1")
    args = ap.parse_args()
    if args.case in ("walk", "errors", "configmap") and not args.dir:
        ap.error("which scenario folder?")

    def case() -> int:
        require(args)
        names.clean_stale(log=lambda m: print(m, flush=True))
        return {"walk": case_walk, "errors": case_errors, "configmap": case_configmap,
                "under-load": case_under_load, "leak": case_leak}[args.case](args)

    return run_main(case)

if __name__ == "__main__":
    sys.exit(main())
