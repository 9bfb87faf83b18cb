"""Runs one scenario live: testbed up, dataplane started on its ports, every flow of flows.tsv
tried for real, a table of expected against observed, everything torn down.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import fabric
import flow_log
import names
from scenario import Flow, Scenario
from topology import Testbed

DEFAULT_LOG_DIR = Path(tempfile.gettempdir()) / "podwall-lab-logs"
GREEN, RED, DIM, RESET = "\033[32m", "\033[31m", "\033[2m", "\033[0m"


@dataclass
class Options:
    fabric: str = "podwall"          # podwall | testpmd | bridge
    port_type: str = "af_packet"     # af_packet | af_xdp | tap
    podwall: Path | None = None
    podwallctl: Path | None = None
    testpmd: str = "dpdk-testpmd"
    established: str | None = None
    port_args: str = ""              # appended to every --vdev (e.g. "framesz=4096")
    lcores: str = "0,1"              # EAL --lcores: the first is control, the rest are workers
    daemon_args: list[str] = field(default_factory=list)  # after podwall's "--"
    timeout: float = 1.5
    jobs: int = 4                    # probes in flight at once (a denied one waits out its timeout)
    sctp: bool = True
    log_dir: Path | None = None
    keep_logs: bool = False
    color: bool = False
    python: str = sys.executable


@dataclass
class Row:
    flow: Flow
    expected: str
    observed: str = ""
    detail: str = ""
    ms: float = 0.0
    eval_verdict: str | None = None

    @property
    def status(self) -> str:
        if self.flow.skip:
            return "SKIP"
        return "OK" if self.observed == self.expected else "MISMATCH"


@dataclass
class Result:
    scenario: str
    fabric: str
    port_type: str
    rows: list[Row] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    ready_seconds: float | None = None
    exit_status: int | None = None
    log_path: Path | None = None
    flow_log_path: Path | None = None
    flow_log_summary: str | None = None
    flow_log_problems: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def ok(self) -> bool:
        return self.error is None and self.count("MISMATCH") == 0 and not self.flow_log_problems


def podwallctl_eval(ctl: Path | None, manifest_dir: Path, flows: list[Flow]) -> list[str | None]:
    """The compiler's verdict for each flow, by `podwallctl eval` (None where unavailable)."""
    runnable = [f for f in flows if not f.skip]
    if not ctl or not Path(ctl).exists() or not runnable:
        return [None] * len(flows)
    text = "".join(f"{f.src_ip} {f.dst_ip} {f.proto} {f.port}\n" for f in runnable)
    try:
        r = subprocess.run([str(ctl), "eval", "--manifests", str(manifest_dir)], input=text,
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return [None] * len(flows)
    words = [line.split()[-1] if line.split() else "" for line in r.stdout.splitlines()]
    if r.returncode != 0 or len(words) != len(runnable):
        return [None] * len(flows)
    it = iter(words)
    return [None if f.skip else next(it) for f in flows]


class Printer:
    def __init__(self, color: bool, out=sys.stdout):
        self.color = color
        self.out = out

    def _c(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.color else text

    def header(self, res: Result, scenario: Scenario, note: str) -> None:
        pods = sum(1 for e in scenario.endpoints() if e.kind == "pod")
        hosts = len(scenario.endpoints()) - pods
        print(f"\n== {res.scenario}: {note}, {pods} pods, {hosts} other hosts", file=self.out)
        print(f"  {'line':>4}  {'flow':<56} {'expected':<8} {'observed':<8} {'ms':>6}  result",
              file=self.out, flush=True)

    def row(self, r: Row) -> None:
        status = r.status
        shown = {"OK": self._c("OK", GREEN), "MISMATCH": self._c("MISMATCH", RED),
                 "SKIP": self._c("SKIP", DIM)}[status]
        observed = r.observed if not r.flow.skip else "-"
        extra = ""
        if status == "MISMATCH" or r.observed not in ("allow", "deny"):
            extra = f"  ({r.detail})"
        if r.flow.skip:
            extra = f"  ({r.flow.skip})"
        if r.eval_verdict and r.eval_verdict != r.expected:
            extra += f"  [podwallctl eval says {r.eval_verdict}]"
        print(f"  {r.flow.line:>4}  {r.flow.text:<56} {r.expected:<8} {observed:<8} "
              f"{r.ms:>6.0f}  {shown}{extra}", file=self.out, flush=True)

    def footer(self, res: Result) -> None:
        line = (f"  {len(res.rows)} flows: {res.count('OK')} OK, {res.count('MISMATCH')} MISMATCH, "
                f"{res.count('SKIP')} skipped; {res.seconds:.1f}s")
        if res.ready_seconds is not None:
            line += f" (ready after {res.ready_seconds:.1f}s)"
        print(line, file=self.out)
        judged = [r for r in res.rows if r.eval_verdict]
        if judged:
            differ = sum(1 for r in judged if r.eval_verdict != r.flow.expected)
            verdict = (f"agrees with flows.tsv on all {len(judged)}" if not differ else
                       f"disagrees with flows.tsv on {differ} of {len(judged)}")
            print(f"  podwallctl eval {verdict}", file=self.out)
        if res.flow_log_summary:
            first, _, rest = res.flow_log_summary.partition("\n")
            print(f"  {first} ({res.flow_log_path})" + (f"\n{rest}" if rest else ""),
                  file=self.out)
        for problem in res.flow_log_problems:
            print(self._c(f"  FLOW LOG: {problem}", RED), file=self.out)
        if res.error:
            print(self._c(f"  ERROR: {res.error}", RED), file=self.out)
        print(file=self.out, flush=True)


def final_counters(log: str) -> dict[str, int]:
    """The daemon's 'final counters:' line as a dict (empty if it has none)."""
    lines = [l for l in log.splitlines() if "final counters:" in l]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", lines[-1])} if lines else {}


def make_fabric(opts: Options, run: names.Run, bed: Testbed, log_path: Path,
                flow_log_path: Path | None = None):
    if opts.fabric == "bridge":
        return fabric.Bridge()
    if opts.fabric == "testpmd":
        return fabric.Testpmd(Path(shutil.which(opts.testpmd) or opts.testpmd), run,
                              opts.port_type, bed.ports(), bed.manifest_dir, log_path,
                              port_args=opts.port_args, lcores=opts.lcores)
    return fabric.Podwall(opts.podwall, run, opts.port_type, bed.ports(), bed.manifest_dir,
                          log_path, established=opts.established, port_args=opts.port_args,
                          extra_args=opts.daemon_args, lcores=opts.lcores, flow_log=flow_log_path)


def probe_rows(bed, rows, timeout: float, jobs: int):
    """Probes every row's flow for real, a few at a time, and yields the rows in their order as
    their results come in (skipped flows unprobed)."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [None if r.flow.skip else pool.submit(bed.probe, r.flow, timeout) for r in rows]
        for row, fut in zip(rows, futures):
            if fut is not None:
                got = fut.result()
                row.observed, row.detail = got["observed"], got.get("detail", "")
                row.ms = got.get("ms", 0.0)
            yield row


def run_scenario(path: Path, opts: Options, printer: Printer | None = None) -> Result:
    printer = printer or Printer(opts.color)
    started = time.monotonic()
    started_unix = time.time()
    scenario = Scenario(path)
    port_type = "bridge" if opts.fabric == "bridge" else opts.port_type
    res = Result(scenario.name, opts.fabric, port_type)
    log_dir = Path(opts.log_dir or DEFAULT_LOG_DIR)
    log_dir.mkdir(parents=True, exist_ok=True)
    res.log_path = log_dir / f"{scenario.name}.{opts.fabric}.{port_type}.log"
    if opts.fabric == "podwall":
        res.flow_log_path = log_dir / f"{scenario.name}.{opts.fabric}.{port_type}.flows.jsonl"
    # A stand-in forwards everything: against it, every flow must connect.
    stand_in = opts.fabric != "podwall"
    run = names.Run()
    bed = Testbed(scenario, port_type, run=run, python=opts.python)
    dp = None
    ports_by_address: dict[str, str] = {}  # pod address -> the interface of its DPDK port
    try:
        bed.build()
        ports_by_address = {a: att.host_if for att in bed.attachments
                            for a in att.endpoint.addresses}
        bed.write_manifests()
        evals = podwallctl_eval(opts.podwallctl, bed.manifest_dir, scenario.flows)
        dp = make_fabric(opts, run, bed, res.log_path, res.flow_log_path)
        res.ready_seconds = dp.start()
        bed.attach_taps()
        bed.start_servers(sctp=opts.sctp)
        loader_errors = re.search(r"(\d+) error\(s\)", dp.log_text()) if dp.proc else None
        if loader_errors and int(loader_errors.group(1)):
            raise RuntimeError(f"podwall reported {loader_errors.group(1)} error(s) loading the "
                               f"manifests the testbed wrote (see {res.log_path})")
        note = "Linux bridge" if opts.fabric == "bridge" else f"{opts.fabric} over {port_type}"
        if scenario.uses("sctp") and opts.sctp:
            note += ", SCTP " + ("by the kernel" if bed.sctp_mode == "kernel" else
                                 "from userspace (no kernel SCTP)")
        if stand_in:
            note += " (stand-in: expecting every flow to connect)"
        printer.header(res, scenario, note)
        rows = []
        for flow, ev in zip(scenario.flows, evals):
            if flow.proto == "sctp" and not opts.sctp and not flow.skip:
                flow.skip = "SCTP disabled"
            rows.append(Row(flow, "allow" if stand_in else flow.expected, eval_verdict=ev))
        for row in probe_rows(bed, rows, opts.timeout, opts.jobs):
            res.rows.append(row)
            printer.row(row)
    except Exception as e:  # noqa: BLE001 - reported, then everything is torn down
        res.error = f"{e.__class__.__name__}: {e}"
    finally:
        if dp is not None:
            res.exit_status = dp.stop()
            if opts.fabric == "podwall" and res.exit_status not in (0, None) and not res.error:
                res.error = f"podwall exited with status {res.exit_status} on SIGTERM"
        bed.teardown()
        run.release()
    if res.flow_log_path and res.rows and not res.error:
        # Read once the daemon has stopped: its last events are written on the way out.
        try:
            events = flow_log.read(res.flow_log_path)
            res.flow_log_summary, res.flow_log_problems = flow_log.check_rows(
                events, res.rows, ports_by_address)
            res.flow_log_problems += flow_log.check_counts(events, final_counters(dp.log_text()))
            res.flow_log_problems += flow_log.check_times(events, started_unix, time.time())
        except ValueError as e:
            res.flow_log_problems = [str(e)]
    res.seconds = time.monotonic() - started
    printer.footer(res)
    if dp is not None and (not res.ok) and res.log_path.exists():
        print(f"  --- {res.log_path} (last lines) ---", file=printer.out)
        print("\n".join("  | " + l for l in dp.log_tail(40).splitlines()), file=printer.out)
        print(file=printer.out, flush=True)
    return res


def print_summary(results: list[Result], out=sys.stdout) -> None:
    print("== summary", file=out)
    print(f"  {'scenario':<32} {'ports':<10} {'OK':>4} {'MISMATCH':>8} {'skipped':>7} "
          f"{'seconds':>8}  result", file=out)
    for r in results:
        verdict = "PASS" if r.ok else ("ERROR" if r.error else "FAIL")
        print(f"  {r.scenario:<32} {r.port_type:<10} {r.count('OK'):>4} {r.count('MISMATCH'):>8} "
              f"{r.count('SKIP'):>7} {r.seconds:>8.1f}  {verdict}", file=out)
    ok = sum(r.count("OK") for r in results)
    bad = sum(r.count("MISMATCH") for r in results)
    errors = sum(1 for r in results if r.error)
    print(f"  total: {ok} flows OK, {bad} MISMATCH, {errors} scenario errors", file=out, flush=True)
