"""Start a forwarder between a pcap port and a null port, measure it, stop it.

Both forwarders get the same EAL command line (one worker lcore, same vdevs, same packets) and
are measured the same way: DPDK telemetry /ethdev/stats on the pcap port (frames read) and the
null port (frames sent), sampled at the start and end of a window after a warm-up. Processes
are ours and are stopped by PID only.
"""

import os
import re
import signal
import subprocess
import threading
import time

from telemetry import Telemetry

TESTPMD = "dpdk-testpmd"
# net_pcap with infinite_rx keeps the whole file in mbufs of the rx pool, so both forwarders
# get a pool of 64 Ki mbufs: testpmd by --total-num-mbufs, podwall through its rx ring size
# (its pool is sized to the rings). Ring sizes do not matter to pcap/null, which have none.
RX_DESCRIPTORS = 16384
TX_DESCRIPTORS = 1024
MBUFS = 65535


def eal_args(prefix: str, rx_vdev: str, tx_vdev: str):
    return ["-l", "0,1", "--no-huge", "-m", "1024", "--no-pci", "--file-prefix", prefix,
            "--vdev", rx_vdev, "--vdev", tx_vdev, "--log-level", "*:notice"]


def pcap_rx(pcap: str, infinite: bool = True) -> str:
    return f"net_pcap0,rx_pcap={pcap}" + (",infinite_rx=1" if infinite else "")


NULL_TX = "net_null0,no-rx=1"


class Forwarder:
    """One forwarder process; output lines are collected by a reader thread."""

    def __init__(self, name: str, cmd, stdin=None):
        self.name = name
        self.lines = []
        self.ready_event = threading.Event()
        self.proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if self.is_ready_line(line):
                self.ready_event.set()
        self.ready_event.set()  # exited: wake the waiter, who checks poll()

    def is_ready_line(self, line: str) -> bool:
        return False

    def wait_ready(self, timeout: float):
        if not self.ready_event.wait(timeout) or self.proc.poll() is not None:
            self.kill()
            tail = "\n".join(self.lines[-15:])
            raise RuntimeError(f"{self.name} did not come up:\n{tail}")

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def finish(self, timeout: float = 60):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError(f"{self.name} did not stop in {timeout} s")
        self.reader.join(5)


class Testpmd(Forwarder):
    def __init__(self, prefix, rx_vdev, tx_vdev):
        # stdbuf: testpmd's stdout is a pipe here, and its lines would sit in a buffer.
        cmd = ["stdbuf", "-oL", TESTPMD, *eal_args(prefix, rx_vdev, tx_vdev), "--", "--nb-cores=1",
               "--forward-mode=io", "--disable-link-check", f"--rxd={RX_DESCRIPTORS}", f"--txd={TX_DESCRIPTORS}",
               f"--total-num-mbufs={MBUFS}"]
        # testpmd exits when its standard input closes: the pipe we hold is its `sleep N |`.
        super().__init__("dpdk-testpmd", cmd, stdin=subprocess.PIPE)

    def is_ready_line(self, line):
        return "Press enter to exit" in line

    def stop(self):
        self.proc.stdin.close()
        self.finish()


class Podwall(Forwarder):
    def __init__(self, binary, prefix, rx_vdev, tx_vdev, manifests, extra=()):
        cmd = [binary, *eal_args(prefix, rx_vdev, tx_vdev), "--", "--manifests", manifests,
               "--mtu", "1500", "--rx-descriptors", str(RX_DESCRIPTORS),
               "--tx-descriptors", str(TX_DESCRIPTORS), *extra]
        super().__init__("podwall", cmd)

    def is_ready_line(self, line):
        return "ready generation=1" in line

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)
        self.finish()
        return self.final_counters()

    def final_counters(self):
        """The exit counters: totals plus port_<id>_rx / _tx."""
        out = {}
        for line in self.lines:
            if "final counters:" in line:
                out.update({k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)})
            m = re.match(r"\s+port (\d+) \S+: rx=(\d+) rx_bytes=\d+ tx=(\d+)", line)
            if m:
                out[f"port_{m[1]}_rx"] = int(m[2])
                out[f"port_{m[1]}_tx"] = int(m[3])
        if "rx_packets" not in out:
            raise RuntimeError("podwall printed no final counters:\n" + "\n".join(self.lines[-15:]))
        return out


def measure(prefix: str, warmup: float, window: float):
    """Frames/s read from port 0 and sent on port 1 over `window` seconds after `warmup`."""
    tel = Telemetry(prefix)
    try:
        time.sleep(warmup)

        def sample():
            t = time.monotonic()
            rx = tel.query("/ethdev/stats,0")["ipackets"]
            tx = tel.query("/ethdev/stats,1")["opackets"]
            return (t + time.monotonic()) / 2, rx, tx

        t0, rx0, tx0 = sample()
        time.sleep(window)
        t1, rx1, tx1 = sample()
        return {"rx_pps": (rx1 - rx0) / (t1 - t0), "tx_pps": (tx1 - tx0) / (t1 - t0)}
    finally:
        tel.close()


def load_average() -> float:
    return os.getloadavg()[0]
