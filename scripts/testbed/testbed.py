#!/usr/bin/env python3
"""podwall's live testbed: pods as network namespaces, podwall between them, real connections.

  testbed.py lab [options] [SCENARIO_DIR ...]   run scenarios live (default: config/lab/*)
  testbed.py up SCENARIO_DIR [options]          build one and keep it up (prints podwall's
                                                command line) until Ctrl-C or --hold-seconds
  testbed.py clean                              remove what dead runs left behind

Options: --fabric podwall|testpmd|bridge (stand-ins are for testing the testbed itself),
--port-type af_packet|af_xdp|tap, --podwall PATH, --podwallctl PATH, --established MODE,
--timeout S (per probe), --log-dir DIR. Needs root. See scripts/testbed/README.md.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fabric  # noqa: E402
import lab  # noqa: E402
import names  # noqa: E402
from scenario import Scenario  # noqa: E402
from topology import Testbed  # noqa: E402

ROOT = HERE.parent.parent


class Interrupted(BaseException):
    pass


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


def install_signals() -> None:
    # Ctrl-C, SIGTERM (meson's timeout, kill) and SIGHUP all end the run through the finally
    # blocks that tear the testbed down (SIGINT too: a background job starts with it ignored).
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)


def default_binary(*candidates: str) -> Path | None:
    for c in candidates:
        p = ROOT / c
        if p.exists():
            return p
    return None


def scenario_dirs(given: list[str]) -> list[Path]:
    if not given:
        return sorted(p for p in (ROOT / "config" / "lab").iterdir()
                      if p.is_dir() and (p / "flows.tsv").exists())
    out = []
    for g in given:
        p = Path(g)
        if not p.exists() and (ROOT / "config" / "lab" / g).exists():
            p = ROOT / "config" / "lab" / g
        if not p.exists():
            matches = sorted((ROOT / "config" / "lab").glob(f"{g}*"))
            if len(matches) == 1:
                p = matches[0]
        if not (p / "flows.tsv").exists():
            raise SystemExit(f"testbed: {g}: no such scenario (a folder with flows.tsv)")
        out.append(p)
    return out


def add_common(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--fabric", choices=("podwall", "testpmd", "bridge"), default="podwall")
    ap.add_argument("--port-type", choices=("af_packet", "af_xdp", "tap"), default="af_packet")
    ap.add_argument("--podwall", type=Path,
                    default=default_binary("build/control/daemon/podwall"))
    ap.add_argument("--podwallctl", type=Path,
                    default=default_binary("build/control/cli/podwallctl"))
    ap.add_argument("--established", choices=("recheck", "keep"))
    ap.add_argument("--timeout", type=float, default=1.5, help="seconds per probe")
    ap.add_argument("--jobs", type=int, default=4, help="probes in flight at once")
    ap.add_argument("--no-sctp", action="store_true")
    ap.add_argument("--log-dir", type=Path)
    ap.add_argument("--port-args", default="",
                    help="appended to every --vdev, e.g. framesz=4096 (af_packet)")
    ap.add_argument("--lcores", default="0,1",
                    help="EAL --lcores: control first, then one worker each; '0,1@1,2@1' runs "
                         "two workers on CPU 1")
    ap.add_argument("--daemon-arg", action="append", default=[],
                    help="one more podwall option after '--' (repeatable)")


def options(args) -> lab.Options:
    return lab.Options(fabric=args.fabric, port_type=args.port_type, podwall=args.podwall,
                       podwallctl=args.podwallctl, established=args.established,
                       timeout=args.timeout, sctp=not args.no_sctp, log_dir=args.log_dir,
                       color=sys.stdout.isatty(), port_args=args.port_args, jobs=args.jobs,
                       daemon_args=args.daemon_arg, lcores=args.lcores)


def cmd_lab(args) -> int:
    if args.fabric == "podwall" and not (args.podwall and args.podwall.exists()):
        print("testbed: podwall is not built (build/control/daemon/podwall)", file=sys.stderr)
        return 2
    names.clean_stale()
    results = []
    for d in scenario_dirs(args.scenarios):
        results.append(lab.run_scenario(d, options(args)))
    lab.print_summary(results)
    return 0 if all(r.ok for r in results) else 1


def cmd_up(args) -> int:
    names.clean_stale()
    scenario = Scenario(scenario_dirs([args.scenario])[0])
    port_type = "bridge" if args.fabric == "bridge" else args.port_type
    run = names.Run()
    with Testbed(scenario, port_type, run=run) as bed:
        try:
            bed.build()
            manifests = bed.write_manifests(args.manifests)
            print(f"testbed {run.rid}: {len(bed.attachments)} namespaces, manifests in {manifests}")
            for a in bed.attachments:
                print(f"  {a.ns:<40} {a.pod_if:<10} {' '.join(a.endpoint.addresses):<34} "
                      f"port {a.host_if}  serves {sorted(a.endpoint.listen)}")
            dp = None
            if port_type != "bridge":
                if args.fabric == "podwall" and args.podwall and args.podwall.exists() \
                        and args.start:
                    log_dir = Path(args.log_dir or lab.DEFAULT_LOG_DIR)
                    log_dir.mkdir(parents=True, exist_ok=True)
                    dp = fabric.Podwall(args.podwall, run, port_type, bed.ports(), manifests,
                                        log_dir / f"up-{run.rid}.podwall.log",
                                        established=args.established,
                                        port_args=args.port_args, extra_args=args.daemon_arg)
                    print(f"starting: {' '.join(dp.command())}")
                    dp.start()
                else:
                    cmd = fabric.Podwall(args.podwall or "podwall", run, port_type, bed.ports(),
                                         manifests, Path("/dev/null"), established=args.established,
                                         port_args=args.port_args,
                                         extra_args=args.daemon_arg).command()
                    print("run podwall as:\n  " + " ".join(cmd))
            bed.attach_taps(seconds=args.hold_seconds if port_type == "tap" else 30)
            bed.start_servers(sctp=not args.no_sctp)
            print(f"up; Ctrl-C to tear down (at most {args.hold_seconds:.0f}s)", flush=True)
            deadline = time.monotonic() + args.hold_seconds
            while time.monotonic() < deadline:
                time.sleep(0.5)
        except (KeyboardInterrupt, Interrupted):
            print("\ntearing down")
        finally:
            if dp is not None:
                print(f"podwall exited with status {dp.stop()}; log: {dp.log_path}")
            run.release()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("lab", help="run scenarios live")
    add_common(p)
    p.add_argument("scenarios", nargs="*")
    p = sub.add_parser("up", help="build one scenario and keep it up")
    add_common(p)
    p.add_argument("scenario")
    p.add_argument("--manifests", type=Path, help="write the manifests here")
    p.add_argument("--start", action="store_true", help="also start podwall")
    p.add_argument("--hold-seconds", type=float, default=3600)
    sub.add_parser("clean", help="remove what dead runs left behind")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("testbed: needs root (network namespaces, veths, DPDK)", file=sys.stderr)
        return 2
    install_signals()
    try:
        if args.command == "lab":
            return cmd_lab(args)
        if args.command == "up":
            return cmd_up(args)
        print(f"testbed: removed {names.clean_stale()} stale namespace(s)")
        return 0
    except (KeyboardInterrupt, Interrupted) as e:
        print(f"\ntestbed: interrupted ({e or 'Ctrl-C'}); cleaned up", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
