"""A minimal client for DPDK's telemetry socket (the v2 protocol dpdk-telemetry.py speaks), so
that the benchmark reads testpmd and podwall the same way: /ethdev/stats for both, /podwall/*
for podwall's own counters."""

import json
import os
import socket
import time

RUNTIME_DIR = "/var/run/dpdk"


class Telemetry:
    def __init__(self, file_prefix: str, timeout: float = 30.0):
        self.path = os.path.join(RUNTIME_DIR, file_prefix, "dpdk_telemetry.v2")
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.sock.connect(self.path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no DPDK telemetry socket at {self.path}")
                time.sleep(0.2)
        hello = json.loads(self.sock.recv(16384).decode())
        self.max_output = int(hello.get("max_output_len", 16384))

    def query(self, command: str):
        self.sock.send(command.encode())
        reply = json.loads(self.sock.recv(self.max_output).decode())
        return reply.get(command.split(",")[0])

    def close(self):
        self.sock.close()
