"""What joins the testbed's ports: podwall itself, or a stand-in for testing the testbed.

  Podwall   the daemon, its DPDK ports made from the testbed's interfaces (the real run)
  Testpmd   dpdk-testpmd in io mode (exactly two ports; checks a port type's plumbing)
  Bridge    nothing to start: the testbed already enslaved the ports to a Linux bridge

Each records the process's stdout and stderr to a log file, waits for its ready line with a
time limit, and stops the process it started (by PID: SIGTERM, then SIGKILL).
"""
from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import names

EAL_BASE = ["--no-huge", "-m", "1024", "--no-pci"]
READY_SECONDS = 90
STOP_SECONDS = 20


def vdev_args(port_type: str, ports: list[str], extra: str = "") -> list[str]:
    """--vdev options for the ports; `extra` ("key=value,...") is appended to each."""
    out = []
    for i, dev in enumerate(ports):
        if port_type == "af_packet":
            out += ["--vdev", f"net_af_packet{i},iface={dev}"]
        elif port_type == "af_xdp":
            out += ["--vdev", f"net_af_xdp{i},iface={dev},start_queue=0,queue_count=1"]
        elif port_type == "tap":
            out += ["--vdev", f"net_tap{i},iface={dev}"]
        else:
            raise ValueError(f"no DPDK port type {port_type}")
        if extra:
            out[-1] += "," + extra
    return out


def ctl_request(sock, obj: dict, seconds: float = 30) -> dict:
    """One request on podwall's control socket (JSON lines): sends `obj`, returns the reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(seconds)
        s.connect(str(sock))
        s.sendall((json.dumps(obj) + "\n").encode())
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    return json.loads(buf.decode().splitlines()[0])


class FabricError(Exception):
    pass


class Process:
    """A long-running child whose output goes to a log file that can be searched."""

    def __init__(self, cmd: list[str], log_path: Path, run: names.Run, role: str,
                 stdin=subprocess.DEVNULL):
        self.cmd = cmd
        self.log_path = Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self._log.write(("$ " + " ".join(cmd) + "\n").encode())
        self._log.flush()
        if shutil.which("stdbuf"):
            # Line-buffered stdout, so the ready line reaches the log when it is printed.
            cmd = ["stdbuf", "-oL", "-eL"] + cmd
        self.p = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=stdin,
                                  start_new_session=True)
        run.record_process(self.p.pid, role)
        self.started = time.monotonic()

    def text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_for(self, pattern: str, seconds: float, after: int = 0) -> re.Match:
        """Waits for a line matching pattern (searched from character `after` of the log)."""
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + seconds
        while True:
            m = regex.search(self.text(), after)
            if m:
                return m
            if self.p.poll() is not None:
                raise FabricError(f"{Path(self.cmd[0]).name} exited with status "
                                  f"{self.p.returncode} before printing /{pattern}/")
            if time.monotonic() >= deadline:
                raise FabricError(f"{Path(self.cmd[0]).name} did not print /{pattern}/ "
                                  f"within {seconds:.0f}s")
            time.sleep(0.05)

    def stop(self, sig=signal.SIGTERM, seconds: float = STOP_SECONDS) -> int | None:
        if self.p.poll() is None:
            try:
                self.p.send_signal(sig)
                self.p.wait(seconds)
            except subprocess.TimeoutExpired:
                self.p.kill()
                try:
                    self.p.wait(5)
                except subprocess.TimeoutExpired:
                    pass
                self._log.write(b"\n[testbed] did not stop on the signal: killed\n")
        self._log.close()
        return self.p.returncode

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


class Podwall:
    READY = r"ready generation=1\b"

    def __init__(self, binary: Path, run: names.Run, port_type: str, ports: list[str],
                 manifest_dir: Path, log_path: Path, established: str | None = None,
                 lcores: str = "0,1", extra_args: list[str] = (), port_args: str = "",
                 extra_vdevs: list[str] = (), flow_log: Path | None = None):
        self.binary = Path(binary)
        self.run = run
        self.port_type = port_type
        self.ports = ports
        self.manifest_dir = manifest_dir
        self.log_path = log_path
        self.established = established
        self.lcores = lcores
        self.extra_args = list(extra_args)
        self.port_args = port_args
        # More ports beside the testbed's, as --vdev values (e.g. a net_pcap port to inject).
        self.extra_vdevs = list(extra_vdevs)
        # Where the daemon logs the connections it denies or cuts (--flow-log), if anywhere.
        self.flow_log = flow_log
        self.proc: Process | None = None
        self.ready_seconds: float | None = None
        # The daemon's control socket (podwallctl status|reload|wait --socket), one per run so
        # that runs side by side never talk to each other's daemon.
        self.ctl_socket = run.state / "podwall.sock"

    def command(self) -> list[str]:
        cmd = [str(self.binary), "--lcores", self.lcores] + EAL_BASE + \
              ["--file-prefix", self.run.dpdk_prefix] + vdev_args(self.port_type, self.ports, self.port_args)
        for vdev in self.extra_vdevs:
            cmd += ["--vdev", vdev]
        cmd += ["--", "--manifests", str(self.manifest_dir), "--ctl-socket", str(self.ctl_socket)]
        if self.established:
            cmd.append(f"--established={self.established}")
        if self.flow_log:
            # A test's few hundred attempts must all be logged: no rate limit in sight.
            cmd += ["--flow-log", str(self.flow_log), "--flow-log-rate", "100000",
                    "--flow-log-allowed"]
        return cmd + self.extra_args

    def start(self, seconds: float = READY_SECONDS) -> float:
        if self.flow_log:
            Path(self.flow_log).unlink(missing_ok=True)  # the daemon appends
        self.proc = Process(self.command(), self.log_path, self.run, "podwall")
        self.proc.wait_for(self.READY, seconds)
        self.ready_seconds = time.monotonic() - self.proc.started
        return self.ready_seconds

    def stop(self) -> int | None:
        return self.proc.stop() if self.proc else None

    def log_tail(self, lines: int = 60) -> str:
        return self.proc.tail(lines) if self.proc else ""

    def log_text(self) -> str:
        return self.proc.text() if self.proc else ""


class Testpmd(Podwall):
    """dpdk-testpmd forwarding port 0 <-> port 1: checks the plumbing of a port type."""
    READY = r"^Press enter to exit"

    def command(self) -> list[str]:
        if len(self.ports) != 2:
            raise FabricError("the testpmd stand-in joins exactly two ports")
        return ([str(self.binary), "--lcores", self.lcores] + EAL_BASE +
                ["--file-prefix", self.run.dpdk_prefix] + vdev_args(self.port_type, self.ports, self.port_args) +
                ["--", "--forward-mode=io", "--auto-start"])

    def start(self, seconds: float = READY_SECONDS) -> float:
        # testpmd ends when its standard input closes: hold a pipe open until stop().
        self.proc = Process(self.command(), self.log_path, self.run, "testpmd",
                            stdin=subprocess.PIPE)
        self.proc.wait_for(self.READY, seconds)
        self.ready_seconds = time.monotonic() - self.proc.started
        return self.ready_seconds

    def stop(self) -> int | None:
        if self.proc and self.proc.p.stdin:
            try:
                self.proc.p.stdin.close()
                self.proc.p.wait(STOP_SECONDS)
            except (OSError, subprocess.TimeoutExpired):
                pass
        return super().stop()


class Bridge:
    """The Linux-bridge stand-in: Testbed(port_type='bridge') built it; nothing to run."""

    def __init__(self, *_, **__):
        self.ready_seconds = 0.0
        self.proc = None

    def start(self, seconds: float = 0) -> float:
        return 0.0

    def stop(self) -> int | None:
        return 0

    def log_tail(self, lines: int = 60) -> str:
        return ""

    def log_text(self) -> str:
        return ""
