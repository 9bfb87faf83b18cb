#!/usr/bin/env python3
"""podwall's live tests: real connections between pod namespaces, through the daemon.

One case per run, so that meson counts each (tests/live/meson.build):
  live_test.py scenario DIR [--port-type af_packet|tap|af_xdp]
      every flow of DIR/flows.tsv tried for real; each allowed one must connect and get its
      echo, each denied one must get nothing
  live_test.py established --mode recheck|keep
      a TCP connection held open across a policy change that revokes it: cut with recheck,
      still carrying data with keep; new connections follow the new policy either way. The
      change reaches the daemon through its directory watcher, else through SIGHUP; a daemon
      with neither makes this case skip
  live_test.py stand-in DIR --port-type T
      the same flows through dpdk-testpmd (io forwarding) instead of podwall: checks that the
      testbed's plumbing for a port type carries traffic at all; every flow must connect
`--workers 2` (scenario, established) runs the daemon with two workers, both on CPU 1 beside
each other (the traffic keeps CPU 0): every flow must come out as with one, and the daemon's
final counters must show frames handed between the workers (to the worker owning a flow, and
to the one owning a tx queue) with none lost on the way.
Exit status: 0 passed, 1 failed, 77 skipped (not root, podwall not built, or the port type or
feature is not available on this machine; the reason is printed).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "testbed"))

import fabric  # noqa: E402
import flow_log  # noqa: E402
from harness import Skip, check_worker_handoff, lcores, run_main  # noqa: E402
import lab  # noqa: E402
import names  # noqa: E402
from scenario import Scenario  # noqa: E402
from topology import Testbed  # noqa: E402

DATA = ROOT / "tests" / "data" / "live"


def require_environment(args, port_type: str, need_podwall: bool = True) -> None:
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces, veths, DPDK ports)")
    for tool in ("ip", "ethtool", "sysctl"):
        if not shutil.which(tool):
            raise Skip(f"{tool} is not installed")
    if need_podwall and not (args.podwall and Path(args.podwall).exists()):
        raise Skip(f"the daemon is not built ({args.podwall})")
    if port_type == "tap" and not Path("/dev/net/tun").exists():
        raise Skip("no /dev/net/tun: TAP ports need the tun driver")
    if port_type == "af_xdp":
        protocols = Path("/proc/net/protocols").read_text()
        if not any(line.split()[:1] == ["XDP"] for line in protocols.splitlines()):
            raise Skip("the kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS is off)")
        if not dpdk_pmd_present("af_xdp"):
            raise Skip("DPDK was built without the net_af_xdp PMD (needs libxdp/libbpf)")


def dpdk_pmd_present(name: str) -> bool:
    try:
        pmds = subprocess.run(["pkg-config", "--variable=pmdsdir", "libdpdk"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pmds = ""
    dirs = [Path(pmds)] if pmds else list(Path("/usr/lib").glob("*/dpdk/pmds-*"))
    return any(list(d.glob(f"librte_net_{name}.so*")) for d in dirs if d.exists())


def log_dir_for(args) -> Path | None:
    """Runs with several workers keep their logs apart from the one-worker runs of the same case."""
    if args.workers == 1 or not args.log_dir:
        return args.log_dir
    return Path(args.log_dir) / f"workers-{args.workers}"


def options(args, port_type: str, fabric_kind: str = "podwall") -> lab.Options:
    return lab.Options(fabric=fabric_kind, port_type=port_type, podwall=args.podwall,
                       podwallctl=args.podwallctl, timeout=args.timeout,
                       log_dir=log_dir_for(args), lcores=lcores(args.workers))


def case_scenario(args) -> int:
    require_environment(args, args.port_type)
    res = lab.run_scenario(Path(args.dir), options(args, args.port_type))
    lab.print_summary([res])
    failures = 0 if res.ok else 1
    if res.log_path and res.log_path.exists():
        failures += check_worker_handoff(res.log_path.read_text(errors="replace"), args.workers)
    return 0 if failures == 0 else 1


def case_stand_in(args) -> int:
    require_environment(args, args.port_type, need_podwall=False)
    if not shutil.which("dpdk-testpmd"):
        raise Skip("dpdk-testpmd is not installed")
    res = lab.run_scenario(Path(args.dir), options(args, args.port_type, "testpmd"))
    lab.print_summary([res])
    return 0 if res.ok else 1


# -- established connections across a policy change --------------------------------------

def ctl_has(ctl: Path | None, command: str) -> bool:
    if not ctl or not Path(ctl).exists():
        return False
    try:
        r = subprocess.run([str(ctl), "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.split()[:1] == [command] for line in (r.stdout + r.stderr).splitlines())


def wait_generation(dp: fabric.Podwall, ctl: Path | None, generation: int, log_from: int,
                    seconds: float) -> str:
    if ctl_has(ctl, "wait"):
        try:
            r = subprocess.run([str(ctl), "wait", str(generation), "--socket",
                                str(dp.ctl_socket), "--timeout", str(seconds)],
                               capture_output=True, text=True, timeout=seconds + 5)
            if r.returncode == 0:
                return f"podwallctl wait {generation}"
        except subprocess.TimeoutExpired:
            pass
    dp.proc.wait_for(rf"generation[= ]{generation}\b", seconds, after=log_from)
    return f"'generation={generation}' in the log"


def follow_change(dp: fabric.Podwall, ctl: Path | None, log_from: int) -> str:
    """Gets the changed directory to the running daemon: its directory watcher (issue 4) picks
    it up by itself; failing that, SIGHUP asks for a reload. A daemon that has neither dies of
    the SIGHUP: then there is no way to change policy under a live connection, and the test is
    skipped (a restart would lose conntrack, so 'keep' could not be told from 'recheck')."""
    try:
        return wait_generation(dp, ctl, 2, log_from, seconds=5) + ", by the directory watcher"
    except fabric.FabricError:
        pass
    dp.proc.p.send_signal(signal.SIGHUP)
    try:
        return wait_generation(dp, ctl, 2, log_from, seconds=30) + ", after SIGHUP"
    except fabric.FabricError:
        if dp.proc.p.poll() == -signal.SIGHUP:
            raise Skip("podwall neither watches its manifest directory nor reloads on SIGHUP "
                       "(it died of the signal): a policy change cannot reach a running "
                       "daemon") from None
        raise


def run_flows(bed: Testbed, flows, printer: lab.Printer, timeout: float) -> int:
    bad = 0
    for f in flows:
        row = lab.Row(f, f.expected)
        if not f.skip:
            got = bed.probe(f, timeout)
            row.observed, row.detail, row.ms = got["observed"], got.get("detail", ""), got.get("ms", 0)
        printer.row(row)
        bad += row.status == "MISMATCH"
    return bad


def held_row(label: str, expected: str, got: dict) -> str:
    observed = got.get("observed", "error")
    status = "OK" if observed == expected else "MISMATCH"
    return (f"  held  {label:<56} {expected:<8} {observed:<8} {'':>6}  {status}"
            + (f"  ({got.get('detail', '')})" if status != "OK" else ""))


def check_revoked_counter(log: str, mode: str) -> int:
    """The daemon's own count of packets dropped because a re-check revoked their flow: some
    with recheck, none with keep. Informational if the counter is not in the log."""
    m = re.search(r"drop_policy_revoked=(\d+)", log)
    if not m:
        print("  (no drop_policy_revoked counter in the daemon's log)")
        return 0
    n = int(m.group(1))
    ok = n > 0 if mode == "recheck" else n == 0
    print(f"  daemon counter drop_policy_revoked={n}: "
          f"{'OK' if ok else 'MISMATCH'} ({'> 0' if mode == 'recheck' else '0'} expected)")
    return 0 if ok else 1


def check_revoked_in_flow_log(path: Path, mode: str, client: str, ledger: str) -> int:
    """The held connection in the flow log: cut under recheck, named as the client opened it
    (whichever end's packet found it cut) and explained; under keep, nothing is cut."""
    try:
        revoked = flow_log.logged(flow_log.read(path), "revoked")
    except ValueError as e:
        print(f"  flow log: {e}: MISMATCH")
        return 1
    held = flow_log.connection(client, ledger, "tcp", 8080)
    if mode == "keep":
        ok = not revoked
        print(f"  flow log: {len(revoked)} revoked connection(s): "
              f"{'OK' if ok else 'MISMATCH'} (none expected with keep)")
        return 0 if ok else 1
    event = revoked.get(held)
    ok = event is not None and "no rule allows it" in event.get("explanation", "")
    print(f"  flow log: held connection {'revoked, ' + event.get('explanation', '') if event else 'missing'}"
          f": {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


def case_established(args) -> int:
    require_environment(args, "af_packet")
    folder = DATA / "established"
    scenario = Scenario(folder)
    after = scenario.read_flows(folder / "after" / "flows.tsv")
    printer = lab.Printer(False)
    run = names.Run()
    log_dir = Path(log_dir_for(args) or lab.DEFAULT_LOG_DIR)
    log_dir.mkdir(parents=True, exist_ok=True)
    bed = Testbed(scenario, "af_packet", run=run)
    dp = None
    held_ends = None
    failures = 0
    try:
        bed.build()
        bed.write_manifests()
        dp = fabric.Podwall(args.podwall, run, "af_packet", bed.ports(), bed.manifest_dir,
                            log_dir / f"established-{args.mode}.log", established=args.mode,
                            lcores=lcores(args.workers),
                            flow_log=log_dir / f"established-{args.mode}.flows.jsonl")
        dp.start()
        bed.start_servers()
        res = lab.Result(f"established-{args.mode}", "podwall", "af_packet")
        printer.header(res, scenario, f"podwall --established={args.mode}, before the change")
        failures += run_flows(bed, scenario.flows, printer, args.timeout)

        client, ledger = bed.attachment("bank/client"), bed.attachment("bank/ledger")
        held_ends = (client.endpoint.addresses[0], ledger.endpoint.addresses[0])
        held = bed.hold("bank/client", *held_ends, 8080)
        label = "bank/client -> bank/ledger tcp/8080 (kept open)"
        lines = [held_row(label + " opens", "allow", held.opened)]
        first = held.echo()
        lines.append(held_row(label + " echoes", "allow", first))
        print("\n".join(lines), flush=True)
        failures += sum("MISMATCH" in l for l in lines)

        # The change: the policy file replaced by rename, as a deployment tool would.
        log_from = len(dp.proc.text())
        staged = bed.work / ".policies.yaml"
        shutil.copyfile(folder / "after" / "policies.yaml", staged)
        os.replace(staged, bed.manifest_dir / "policies.yaml")
        seen = follow_change(dp, args.podwallctl, log_from)
        print(f"\n  policy changed: generation 2 live ({seen})", flush=True)

        res = lab.Result(f"established-{args.mode}", "podwall", "af_packet")
        printer.header(res, scenario, "after the change")
        expected = "deny" if args.mode == "recheck" else "allow"
        # Kept connections must go on working, not just once.
        for n in range(1 if args.mode == "recheck" else 3):
            line = held_row(label + f" after ({n + 1})", expected, held.echo())
            print(line, flush=True)
            failures += "MISMATCH" in line
        failures += run_flows(bed, after, printer, args.timeout)
        held.close()
    except Skip:
        raise
    except Exception as e:  # noqa: BLE001 - reported with the daemon's log, then torn down
        print(f"\n  ERROR: {e.__class__.__name__}: {e}", flush=True)
        failures += 1
    finally:
        status = dp.stop() if dp else None
        bed.teardown()
        run.release()
    if status not in (0, None):
        print(f"podwall exited with status {status}")
        failures += 1
    if dp:
        failures += check_revoked_counter(dp.log_text(), args.mode)
        if held_ends:
            failures += check_revoked_in_flow_log(dp.flow_log, args.mode, *held_ends)
        failures += check_worker_handoff(dp.log_text(), args.workers)
    if failures and dp:
        print(f"--- {dp.log_path} (last lines)\n{dp.log_tail(40)}")
    print(f"\nestablished-{args.mode}: {'PASS' if not failures else f'{failures} failure(s)'}")
    return 0 if not failures else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=("scenario", "established", "stand-in"))
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--port-type", default="af_packet", choices=("af_packet", "tap", "af_xdp"))
    ap.add_argument("--mode", choices=("recheck", "keep"), default="recheck")
    ap.add_argument("--podwall", type=Path, default=ROOT / "build/control/daemon/podwall")
    ap.add_argument("--podwallctl", type=Path, default=ROOT / "build/control/cli/podwallctl")
    ap.add_argument("--timeout", type=float, default=1.5)
    ap.add_argument("--log-dir", type=Path)
    ap.add_argument("--workers", type=int, choices=(1, 2, 3), default=1,
                    help="poll-mode workers (scenario, established); beyond one they share CPU 1")
    args = ap.parse_args()
    if args.case in ("scenario", "stand-in") and not args.dir:
        ap.error("which scenario folder?")

    def case() -> int:
        if os.geteuid() == 0:
            names.clean_stale(log=lambda m: print(m, flush=True))
        return {"scenario": case_scenario, "stand-in": case_stand_in,
                "established": case_established}[args.case](args)

    return run_main(case)


if __name__ == "__main__":
    sys.exit(main())
