#!/usr/bin/env python3
"""Echo servers for one testbed namespace: TCP and UDP echo on every given port of every given
address, and the answering half of an SCTP opening (INIT -> INIT-ACK, see sctp.py).

Runs inside the namespace (ip netns exec). Prints "ready" once every socket is bound, then
serves until SIGTERM, until its parent goes away, or for --max-seconds at most.
Usage: echo_server.py --address A [--address B] [--tcp P ...] [--udp P ...] [--sctp P ...]
"""
from __future__ import annotations

import argparse
import os
import secrets
import selectors
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sctp  # noqa: E402

MAX_CONNECTIONS = 256
IDLE_SECONDS = 900


def family_of(address: str) -> int:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def listen_stream(address: str, port: int, proto: int = 0) -> socket.socket:
    """A listening TCP socket, or SCTP (one-to-one style) with proto=IPPROTO_SCTP."""
    s = socket.socket(family_of(address), socket.SOCK_STREAM, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(64)
    s.setblocking(False)
    return s


def bind_udp(address: str, port: int) -> socket.socket:
    s = socket.socket(family_of(address), socket.SOCK_DGRAM)
    s.bind((address, port))
    s.setblocking(False)
    return s


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", action="append", default=[])
    ap.add_argument("--tcp", type=int, action="append", default=[])
    ap.add_argument("--udp", type=int, action="append", default=[])
    ap.add_argument("--sctp", type=int, action="append", default=[])
    ap.add_argument("--sctp-mode", choices=("kernel", "user"), default="user")
    ap.add_argument("--max-seconds", type=float, default=3600)
    args = ap.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    parent = os.getppid()

    sel = selectors.DefaultSelector()
    for a in args.address:
        for p in sorted(set(args.tcp)):
            sel.register(listen_stream(a, p), selectors.EVENT_READ, ("listen", None))
        for p in sorted(set(args.udp)):
            sel.register(bind_udp(a, p), selectors.EVENT_READ, ("udp", None))
        if args.sctp and args.sctp_mode == "kernel":
            for p in sorted(set(args.sctp)):
                sel.register(listen_stream(a, p, sctp.IPPROTO_SCTP), selectors.EVENT_READ,
                             ("listen", None))
        elif args.sctp:
            s = sctp.raw_socket(a)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, ("sctp", a))
    sctp_ports = set(args.sctp)
    print("ready", flush=True)

    connections: dict[socket.socket, float] = {}
    deadline = time.monotonic() + args.max_seconds
    while not stop and time.monotonic() < deadline and os.getppid() == parent:
        for key, _ in sel.select(timeout=0.5):
            kind, extra = key.data
            s = key.fileobj
            try:
                if kind == "listen":
                    conn, _ = s.accept()
                    if len(connections) >= MAX_CONNECTIONS:
                        conn.close()
                        continue
                    conn.setblocking(False)
                    connections[conn] = time.monotonic()
                    sel.register(conn, selectors.EVENT_READ, ("conn", None))
                elif kind == "conn":
                    data = s.recv(65536)
                    if not data:
                        raise ConnectionResetError
                    s.setblocking(True)
                    s.settimeout(2)
                    s.sendall(data)
                    s.setblocking(False)
                    connections[s] = time.monotonic()
                elif kind == "udp":
                    data, peer = s.recvfrom(65536)
                    s.sendto(data, peer)
                elif kind == "sctp":
                    data, peer = s.recvfrom(65536)
                    pkt = sctp.parse(sctp.payload(s.family, data))
                    if pkt and pkt["chunk"] == sctp.CHUNK_INIT and pkt["vtag"] == 0 \
                            and pkt["dport"] in sctp_ports and "initiate_tag" in pkt:
                        tag = secrets.randbits(32) or 1
                        reply = sctp.init_ack(pkt["dport"], pkt["sport"], pkt["initiate_tag"], tag)
                        s.sendto(reply, (peer[0], 0))
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                if kind == "conn":
                    sel.unregister(s)
                    connections.pop(s, None)
                    s.close()
        now = time.monotonic()
        for conn, last in list(connections.items()):
            if now - last > IDLE_SECONDS:
                sel.unregister(conn)
                connections.pop(conn)
                conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
