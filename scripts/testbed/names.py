"""Names the testbed gives its namespaces, links and DPDK runtime, who owns them, and the
clean-up of what an earlier run left behind.

Every run draws a 6-hex-digit id RID and names everything after it:
  network namespaces   pw-RID-NN-<pod>   (NN: endpoint index; the bridge stand-in: pw-RID-br)
  host veth ends       pwRIDNN           (10 characters; the peer is renamed eth0 in the pod)
  TAP ports            ptRIDNN           (created by DPDK's net_tap, then moved into the pod)
  DPDK file prefix     pwRID
The run records its own PID (and start time, against PID reuse) under STATE_ROOT/RID/owner; a
namespace whose run has no living owner is stale, and only such namespaces are ever removed.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

STATE_ROOT = Path("/run/podwall-testbed")
DPDK_RUNTIME_ROOT = Path("/var/run/dpdk")
WORK_PREFIX = "podwall-lab-"  # + RID + "-" + random: a run's manifests, under the temp dir
NETNS_RE = re.compile(r"^pw-([0-9a-f]{6})-[0-9a-z][0-9a-z.-]*$")
LINK_RE = re.compile(r"^p[wt]([0-9a-f]{6})[0-9]{2}p?$")
IFNAME_MAX = 15


def process_start_time(pid: int) -> str | None:
    """The start time of a process in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: split after the last ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def alive(pid: int, start: str | None) -> bool:
    now = process_start_time(pid)
    return now is not None and (start is None or now == start)


class Run:
    """One testbed run: its id, its names, and the record of the processes it started."""

    def __init__(self, rid: str | None = None):
        self.rid = rid or secrets.token_hex(3)
        self.state = STATE_ROOT / self.rid
        self.state.mkdir(parents=True, exist_ok=True)
        me = os.getpid()
        (self.state / "owner").write_text(json.dumps({"pid": me, "start": process_start_time(me)}))

    def netns(self, index: int, hint: str = "") -> str:
        hint = re.sub(r"[^0-9a-z.-]+", "-", hint.lower()).strip("-.")[:40]
        return f"pw-{self.rid}-{index:02d}" + (f"-{hint}" if hint else "")

    @property
    def bridge_netns(self) -> str:
        return f"pw-{self.rid}-br"

    def veth(self, index: int) -> str:
        return self._ifname("pw", index)

    def tap(self, index: int) -> str:
        return self._ifname("pt", index)

    def _ifname(self, prefix: str, index: int) -> str:
        if not 0 <= index < 100:
            raise ValueError("at most 100 endpoints per run")
        name = f"{prefix}{self.rid}{index:02d}"
        assert len(name) + 1 <= IFNAME_MAX
        return name

    @property
    def dpdk_prefix(self) -> str:
        return f"pw{self.rid}"

    def record_process(self, pid: int, role: str) -> None:
        """Remembers a process this run started, so a later run can end it if we crash."""
        entry = {"pid": pid, "start": process_start_time(pid), "role": role}
        with (self.state / "processes").open("a") as f:
            f.write(json.dumps(entry) + "\n")

    def release(self) -> None:
        shutil.rmtree(self.state, ignore_errors=True)
        shutil.rmtree(DPDK_RUNTIME_ROOT / self.dpdk_prefix, ignore_errors=True)


def _owner_alive(rid: str) -> bool:
    try:
        owner = json.loads((STATE_ROOT / rid / "owner").read_text())
    except (OSError, ValueError):
        return False
    return alive(int(owner["pid"]), owner.get("start"))


def _recorded_processes(rid: str) -> list[dict]:
    try:
        lines = (STATE_ROOT / rid / "processes").read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def _end(pid: int, start: str | None) -> None:
    """SIGTERM, then SIGKILL, one process we started (checked by PID and start time)."""
    if not alive(pid, start):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and alive(pid, start):
        time.sleep(0.1)
    if alive(pid, start):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def list_netns() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def clean_stale(log=print) -> int:
    """Removes what dead runs left: their processes (by recorded PID, and those still inside
    their namespaces), namespaces, links, state and DPDK runtime directories. A run whose owner
    still lives is never touched. Returns how many namespaces were removed."""
    rids = set()
    for ns in list_netns():
        m = NETNS_RE.match(ns)
        if m:
            rids.add(m.group(1))
    if STATE_ROOT.exists():
        rids.update(p.name for p in STATE_ROOT.iterdir() if re.fullmatch(r"[0-9a-f]{6}", p.name))
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    link_names = [l.split(":")[1].strip().split("@")[0] for l in links.splitlines() if ":" in l]
    for name in link_names:
        m = LINK_RE.match(name)
        if m:
            rids.add(m.group(1))
    removed = 0
    for rid in sorted(rids):
        if _owner_alive(rid):
            continue
        for proc in _recorded_processes(rid):
            _end(int(proc["pid"]), proc.get("start"))
        for ns in list_netns():
            m = NETNS_RE.match(ns)
            if not m or m.group(1) != rid:
                continue
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                                  text=True).stdout.split()
            for pid in pids:
                _end(int(pid), process_start_time(int(pid)))
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            removed += 1
        for name in link_names:
            m = LINK_RE.match(name)
            if m and m.group(1) == rid:
                subprocess.run(["ip", "link", "del", name], capture_output=True)
        shutil.rmtree(STATE_ROOT / rid, ignore_errors=True)
        shutil.rmtree(DPDK_RUNTIME_ROOT / f"pw{rid}", ignore_errors=True)
        for work in Path(tempfile.gettempdir()).glob(f"{WORK_PREFIX}{rid}-*"):
            shutil.rmtree(work, ignore_errors=True)
        log(f"testbed: removed what run {rid} left behind")
    return removed
