#!/usr/bin/env python3
"""Counted UDP streams for the reload-under-load test, run inside a pod namespace.

  udp_stream.py sink --address A --port P [--port P ...] [--max-seconds S]
      counts datagrams marked 'C' per (source address, destination port); prints "ready", then
      {"counts": {"SRC DPORT": n, ...}} when its standard input closes (or after S seconds)
  udp_stream.py send --src S --dst D --port P [--rate R] [--max-seconds S]
      sends a few unmarked warm-up datagrams (ARP, learning), waits a second, then datagrams
      marked 'C' at R per second until its standard input closes (or S seconds pass); prints
      {"sent": n}
Bounded in time either way; only the addresses it is given are ever used.
"""
from __future__ import annotations

import argparse
import json
import os
import select
import socket
import sys
import time


def stdin_closed(timeout: float) -> bool:
    ready, _, _ = select.select([sys.stdin], [], [], timeout)
    return bool(ready) and not os.read(sys.stdin.fileno(), 4096)


def sink(args) -> None:
    socks = []
    for port in args.port:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.bind((args.address, port))
        s.setblocking(False)
        socks.append((s, port))
    counts: dict[str, int] = {}
    print("ready", flush=True)
    deadline = time.monotonic() + args.max_seconds
    fds = [s for s, _ in socks] + [sys.stdin]
    while time.monotonic() < deadline:
        ready, _, _ = select.select(fds, [], [], 0.2)
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
            break
        for s, port in socks:
            if s not in ready:
                continue
            while True:
                try:
                    data, (src, _) = s.recvfrom(2048)
                except BlockingIOError:
                    break
                if data[:1] == b"C":
                    key = f"{src} {port}"
                    counts[key] = counts.get(key, 0) + 1
    print(json.dumps({"counts": counts}), flush=True)


def send(args) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.src, 0))
    dst = (args.dst, args.port)
    for _ in range(3):
        s.sendto(b"W", dst)
        time.sleep(0.1)
    deadline = time.monotonic() + args.max_seconds
    if not stdin_closed(1.0):
        sent = 0
        interval = 1.0 / args.rate
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            s.sendto(b"C%d" % sent, dst)
            sent += 1
            next_at += interval
            if stdin_closed(max(0.0, next_at - time.monotonic())):
                break
    else:
        sent = 0
    print(json.dumps({"sent": sent}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("sink", "send"))
    ap.add_argument("--address")
    ap.add_argument("--src")
    ap.add_argument("--dst")
    ap.add_argument("--port", type=int, action="append", required=True)
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--max-seconds", type=float, default=300)
    args = ap.parse_args()
    if args.mode == "sink":
        sink(args)
    else:
        args.port = args.port[0]
        send(args)


if __name__ == "__main__":
    main()
