"""The testbed for one scenario: a namespace per endpoint, its link to the dataplane, its echo
servers, and the watched manifest directory.

    with Testbed(scenario, port_type="af_packet") as bed:
        bed.build()                 # namespaces, veths (or namespaces awaiting their TAP)
        bed.write_manifests()       # the directory the daemon watches
        ... start the fabric on bed.ports() ...
        bed.attach_taps()           # TAP only: move each DPDK-made tap into its pod
        bed.start_servers()
        bed.probe(flow)

Port types: af_packet and af_xdp (the host end of each pod's veth is the DPDK port), tap
(DPDK's net_tap creates the interface; the testbed moves it into the pod namespace and gives it
the pod's address, so the pod talks straight to the DPDK port) and bridge (test mode: host ends
enslaved to a Linux bridge in a pw- namespace, a stand-in that enforces nothing).
Leaving the `with` block removes everything, whatever happened inside it.
"""
from __future__ import annotations

import copy
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

import names
import netns
from scenario import Endpoint, Flow, Scenario

AGENT = Path(__file__).resolve().parent / "agent"
PORT_TYPES = ("af_packet", "af_xdp", "tap", "bridge")
SERVER_READY_SECONDS = 15


@dataclass
class Attachment:
    index: int
    endpoint: Endpoint
    ns: str
    host_if: str   # the DPDK port's interface (veth host end or tap)
    pod_if: str    # the interface inside the namespace


class Testbed:
    def __init__(self, scenario: Scenario, port_type: str = "af_packet",
                 run: names.Run | None = None, work_dir: Path | None = None,
                 python: str = sys.executable, log=print):
        if port_type not in PORT_TYPES:
            raise ValueError(f"port type must be one of {', '.join(PORT_TYPES)}")
        self.scenario = scenario
        self.port_type = port_type
        self._own_run = run is None
        self.run = run or names.Run()
        self.log = log
        self.python = python
        # The work directory (manifests, staging) is named after the run, so that a later run
        # can remove it if this one dies (names.clean_stale).
        self._own_work = work_dir is None
        self.work = Path(work_dir or tempfile.mkdtemp(prefix=f"{names.WORK_PREFIX}{self.run.rid}-"))
        self.manifest_dir = self.work / "manifests"
        self.attachments: list[Attachment] = []
        self._namespaces: list[str] = []
        self._links: list[str] = []
        self._servers: list[subprocess.Popen] = []
        self._by_key: dict[str, Attachment] = {}
        self.sctp_mode = sctp_mode()

    # -- lifetime -------------------------------------------------------------------------
    def __enter__(self) -> "Testbed":
        return self

    def __exit__(self, *exc) -> None:
        self.teardown()

    def teardown(self) -> None:
        for p in self._servers:
            stop_process(p)
        self._servers.clear()
        for link in self._links:
            netns.del_link(None, link)
        for ns in reversed(self._namespaces):
            netns.del_netns(ns)
        self._namespaces.clear()
        self._links.clear()
        if self._own_work:
            shutil.rmtree(self.work, ignore_errors=True)
        if self._own_run:
            self.run.release()

    # -- building -------------------------------------------------------------------------
    def build(self) -> None:
        endpoints = self.scenario.endpoints()
        if self.port_type == "bridge":
            self._add_netns(self.run.bridge_netns, ipv6=False)
            br = self.run.bridge_netns
            netns.ip(br, "link", "add", "br0", "type", "bridge", "stp_state", "0",
                     "forward_delay", "0", "mcast_snooping", "0")
            netns.ip(br, "link", "set", "br0", "up")
        for i, ep in enumerate(endpoints):
            ns = self.run.netns(i, ep.key.replace("/", "-"))
            self._add_netns(ns, ipv6=any(":" in a for a in ep.addresses))
            if self.port_type == "tap":
                att = Attachment(i, ep, ns, self.run.tap(i), self.run.tap(i))
            else:
                att = Attachment(i, ep, ns, self.run.veth(i), "eth0")
                self._add_veth(att)
            self.attachments.append(att)
            self._by_key[ep.key] = att
        if self.port_type != "tap":
            for att in self.attachments:
                netns.wait_up(att.ns, att.pod_if)

    def _add_netns(self, name: str, ipv6: bool) -> None:
        netns.del_netns(name)
        netns.add_netns(name, ipv6)
        self._namespaces.append(name)

    def _add_veth(self, att: Attachment) -> None:
        host, peer = att.host_if, att.host_if + "p"
        netns.ip(None, "link", "add", host, "type", "veth", "peer", "name", peer)
        self._links.append(host)
        netns.ip(None, "link", "set", peer, "netns", att.ns)
        netns.ip(att.ns, "link", "set", peer, "name", att.pod_if)
        self._configure_pod_side(att)
        host_ns = None
        if self.port_type == "bridge":
            host_ns = self.run.bridge_netns
            netns.ip(None, "link", "set", host, "netns", host_ns)
            netns.ip(host_ns, "link", "set", host, "master", "br0")
        netns.offloads_off(host_ns, host)
        netns.ip(host_ns, "link", "set", host, "up")
        if self.port_type != "bridge":
            # The kernel must not answer or route anything on the DPDK port's interface.
            netns.run(["sysctl", "-q", "-w", f"net.ipv6.conf.{host}.disable_ipv6=1"], check=False)

    def _configure_pod_side(self, att: Attachment) -> None:
        netns.offloads_off(att.ns, att.pod_if)
        netns.set_addresses(att.ns, att.pod_if, att.endpoint.addresses)
        netns.ip(att.ns, "link", "set", att.pod_if, "up")

    def attach_taps(self, seconds: float = 30) -> None:
        """TAP only, once DPDK has created the taps: move each into its pod and set it up."""
        if self.port_type != "tap":
            return
        for att in self.attachments:
            netns.wait_exists(None, att.host_if, seconds)
            netns.ip(None, "link", "set", att.host_if, "netns", att.ns)
            self._configure_pod_side(att)
        for att in self.attachments:
            netns.wait_up(att.ns, att.pod_if)

    def ports(self) -> list[str]:
        """The interfaces that become DPDK ports, in endpoint order."""
        return [a.host_if for a in self.attachments]

    # -- the manifest directory -----------------------------------------------------------
    def write_manifests(self, target: Path | None = None, extra: list[Path] = ()) -> Path:
        """Writes the scenario's namespaces and policies (verbatim) and one Pod manifest per
        pod with the addresses the testbed gave it in status.podIP/podIPs, the way kubelet and
        the CNI report them. Files land by rename, so a watcher never sees half a file."""
        target = Path(target or self.manifest_dir)
        target.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.work))
        for src in list(self.scenario.manifest_files()) + list(extra):
            shutil.copyfile(src, staging / src.name)
        placed = {att.endpoint.key: att for att in self.attachments}
        for key, ep in self.scenario.pods.items():
            pod = copy.deepcopy(ep.manifest)
            att = placed.get(key)
            if att is not None:
                status = pod.setdefault("status", {})
                status["phase"] = "Running"
                status["podIP"] = ep.addresses[0]
                status["podIPs"] = [{"ip": a} for a in ep.addresses]
                note = f"# written by the testbed: {att.ns}, interface {att.pod_if}\n"
            else:
                note = "# written by the testbed: no address yet, so not on the wire\n"
            ns, name = key.split("/", 1)
            (staging / f"pod-{ns}-{name}.yaml").write_text(
                note + yaml.safe_dump(pod, sort_keys=False))
        for f in sorted(staging.iterdir()):
            os.replace(f, target / f.name)
        staging.rmdir()
        return target

    # -- servers --------------------------------------------------------------------------
    def start_servers(self, sctp: bool = True) -> None:
        """Echo servers in every namespace, on its container ports and every port a flow
        probes there, so that a denied flow is denied by the dataplane, not by a closed port."""
        pending = []
        for att in self.attachments:
            ep = att.endpoint
            cmd = [self.python, str(AGENT / "echo_server.py"), "--sctp-mode", self.sctp_mode]
            for a in ep.addresses:
                cmd += ["--address", a]
            for proto, port in sorted(ep.listen):
                if proto == "sctp" and not sctp:
                    continue
                if proto in ("tcp", "udp", "sctp") and 0 < port < 65536:
                    cmd += [f"--{proto}", str(port)]
            p = subprocess.Popen(netns.in_ns(att.ns, cmd), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            self.run.record_process(p.pid, f"echo {att.ns}")
            self._servers.append(p)
            pending.append((att, p))
        deadline = time.monotonic() + SERVER_READY_SECONDS
        for att, p in pending:
            line = LineReader(p.stdout).line(deadline)
            if line.strip() != "ready":
                err = p.stderr.read().decode(errors="replace") if p.poll() is not None else ""
                raise netns.NetError(f"echo server in {att.ns} not ready: {line.strip()} {err}")

    # -- probing --------------------------------------------------------------------------
    def attachment(self, key: str) -> Attachment:
        return self._by_key[key]

    def probe(self, flow: Flow, timeout: float = 1.5) -> dict:
        """Runs one connection attempt from the flow's source namespace."""
        return self.probe_raw(flow.src_ep.key, flow.src_ip, flow.dst_ip, flow.proto, flow.port,
                              timeout)

    def probe_raw(self, src_key: str, src_ip: str, dst_ip: str, proto: str, port: int,
                  timeout: float = 1.5) -> dict:
        att = self._by_key[src_key]
        cmd = netns.in_ns(att.ns, [self.python, str(AGENT / "probe.py"), "once", "--src", src_ip,
                                   "--dst", dst_ip, "--proto", proto, "--port", str(port),
                                   "--timeout", str(timeout), "--sctp-mode", self.sctp_mode])
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 15)
        except subprocess.TimeoutExpired:
            return {"observed": "error", "detail": "probe did not end"}
        try:
            return json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"observed": "error", "detail": (r.stderr.strip() or "no output")[-200:]}

    def hold(self, src_key: str, src_ip: str, dst_ip: str, port: int,
             timeout: float = 3.0, max_seconds: float = 300) -> "HeldConnection":
        att = self._by_key[src_key]
        cmd = netns.in_ns(att.ns, [self.python, str(AGENT / "probe.py"), "hold", "--src", src_ip,
                                   "--dst", dst_ip, "--port", str(port), "--timeout", str(timeout),
                                   "--max-seconds", str(max_seconds)])
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        self.run.record_process(p.pid, f"hold {att.ns}")
        self._servers.append(p)
        return HeldConnection(p, timeout)


def sctp_mode() -> str:
    """'kernel' where the kernel speaks SCTP (loading its module if need be), else 'user'."""
    sys.path.insert(0, str(AGENT))
    import sctp
    if not sctp.kernel_available() and shutil.which("modprobe"):
        subprocess.run(["modprobe", "-q", "sctp"], capture_output=True, timeout=30)
    return "kernel" if sctp.kernel_available() else "user"


class HeldConnection:
    """A TCP connection kept open by probe.py hold; echo() checks it still carries data."""

    def __init__(self, process: subprocess.Popen, timeout: float):
        self.p = process
        self.timeout = timeout
        self._reader = LineReader(process.stdout)
        self.opened = self._answer(timeout + 5)

    def _answer(self, seconds: float) -> dict:
        line = self._reader.line(time.monotonic() + seconds)
        try:
            return json.loads(line)
        except ValueError:
            return {"observed": "error", "detail": line.strip() or "no answer"}

    def echo(self) -> dict:
        if self.p.poll() is not None:
            return {"observed": "error", "detail": "holder exited"}
        try:
            self.p.stdin.write(b"echo\n")
            self.p.stdin.flush()
        except OSError:
            return {"observed": "error", "detail": "holder gone"}
        return self._answer(self.timeout + 5)

    def close(self) -> None:
        stop_process(self.p)


class LineReader:
    """Lines of a child's stdout (a binary pipe), each read with a deadline."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.buf = b""

    def line(self, deadline: float) -> str:
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return ""
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self.fd, 4096)
                if not chunk:
                    break
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode(errors="replace")


def stop_process(p: subprocess.Popen, seconds: float = 5) -> int | None:
    """Ends one child we started, by PID: SIGTERM, then SIGKILL."""
    if p.poll() is None:
        try:
            p.terminate()
            p.wait(seconds)
        except subprocess.TimeoutExpired:
            p.kill()
            try:
                p.wait(seconds)
            except subprocess.TimeoutExpired:
                pass
    for stream in (p.stdin, p.stdout, p.stderr):
        if stream:
            try:
                stream.close()
            except OSError:
                pass
    return p.returncode
