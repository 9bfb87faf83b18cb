#!/usr/bin/env python3
"""One connection attempt from inside a testbed namespace, reported as one JSON line.

  probe.py once --src A --dst B --proto tcp|udp|sctp|icmp [--port P] [--timeout S]
      observed: "allow"   connected (or answered) and the echo came back intact
                "deny"    nothing came back within the timeout
                "refused" a reset or an ICMP unreachable came back (nobody serves the port)
                "partial" connected, but the echo did not come back
                "error"   the probe itself failed (detail says why)
  probe.py hold --src A --dst B --port P [--timeout S] [--max-seconds S]
      Opens a TCP connection and keeps it. Each line "echo" on stdin sends a message on it and
      prints {"observed": "allow"} if it comes back, "deny" if not in time, "closed" if the
      connection is gone. Ends on end of input or after --max-seconds.
Every wait is bounded by --timeout; nothing here loops without a limit.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import select
import shutil
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sctp  # noqa: E402
from inet_checksum import inet_checksum  # noqa: E402


def family_of(address: str) -> int:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def recv_exact(s: socket.socket, n: int, deadline: float) -> bytes:
    got = b""
    while len(got) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        chunk = s.recv(n - len(got))
        if not chunk:
            break
        got += chunk
    return got


def probe_tcp(src: str, dst: str, port: int, timeout: float, proto: int = 0) -> tuple[str, str]:
    """TCP, or kernel SCTP with proto=IPPROTO_SCTP: connect, then echo a token."""
    s = socket.socket(family_of(dst), socket.SOCK_STREAM, proto)
    try:
        s.bind((src, 0))
        s.settimeout(timeout)
        try:
            s.connect((dst, port))
        except socket.timeout:
            return "deny", "no answer to SYN" if not proto else "no answer to INIT"
        except ConnectionRefusedError:
            return "refused", "reset"
        except OSError as e:
            return ("deny", e.strerror) if e.errno in (113, 101) else ("error", str(e))
        token = secrets.token_hex(16).encode()
        s.sendall(token)
        try:
            back = recv_exact(s, len(token), time.monotonic() + timeout)
        except (socket.timeout, OSError) as e:
            return "partial", f"connected, no echo ({e.__class__.__name__})"
        return ("allow", "connected, echoed") if back == token else ("partial", "connected, bad echo")
    finally:
        s.close()


def probe_udp(src: str, dst: str, port: int, timeout: float, tries: int = 3) -> tuple[str, str]:
    s = socket.socket(family_of(dst), socket.SOCK_DGRAM)
    try:
        s.bind((src, 0))
        s.connect((dst, port))
        token = secrets.token_hex(16).encode()
        for attempt in range(tries):
            s.send(token)
            deadline = time.monotonic() + timeout / tries
            while time.monotonic() < deadline:
                s.settimeout(max(deadline - time.monotonic(), 0.001))
                try:
                    back = s.recv(65536)
                except socket.timeout:
                    break
                except ConnectionRefusedError:
                    return "refused", "ICMP port unreachable"
                if back == token:
                    return "allow", f"echoed (datagram {attempt + 1})"
        return "deny", f"no echo to {tries} datagrams"
    finally:
        s.close()


def probe_sctp(src: str, dst: str, port: int, timeout: float) -> tuple[str, str]:
    s = sctp.raw_socket(src)
    try:
        tag = secrets.randbits(32) or 1
        sport = 32768 + secrets.randbelow(28000)
        s.sendto(sctp.init(sport, port, tag), (dst, 0))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                data, peer = s.recvfrom(65536)
            except socket.timeout:
                break
            pkt = sctp.parse(sctp.payload(s.family, data))
            if not pkt or peer[0] != dst or pkt["sport"] != port or pkt["dport"] != sport:
                continue
            if pkt["chunk"] == sctp.CHUNK_INIT_ACK and pkt["vtag"] == tag:
                s.sendto(sctp.abort(sport, port, pkt.get("initiate_tag", 0)), (dst, 0))
                return "allow", "INIT answered by INIT-ACK"
            if pkt["chunk"] == sctp.CHUNK_ABORT:
                return "refused", "ABORT"
        return "deny", "no answer to INIT"
    finally:
        s.close()


def probe_icmp(src: str, dst: str, timeout: float) -> tuple[str, str]:
    ping = shutil.which("ping")
    if ping:
        wait = str(max(1, int(timeout + 0.999)))
        try:
            r = subprocess.run([ping, "-n", "-q", "-c", "1", "-W", wait, "-I", src, dst],
                               capture_output=True, text=True, timeout=timeout + 5)
        except subprocess.TimeoutExpired:
            return "error", "ping did not end"
        if r.returncode == 0:
            return "allow", "echo reply"
        if r.returncode == 1:
            return "deny", "no echo reply"
        return "error", (r.stderr or r.stdout).strip()[:120]
    # No ping installed: one echo request over a raw socket.
    v6 = ":" in dst
    s = socket.socket(family_of(dst), socket.SOCK_RAW,
                      socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    try:
        s.bind((src, 0))
        ident, payload = secrets.randbits(16), secrets.token_bytes(16)
        kind, reply_kind = (128, 129) if v6 else (8, 0)
        header = struct.pack("!BBHHH", kind, 0, 0, ident, 1)
        csum = 0 if v6 else inet_checksum(header + payload)  # the kernel sums ICMPv6
        s.sendto(struct.pack("!BBHHH", kind, 0, csum, ident, 1) + payload, (dst, 0))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                data, peer = s.recvfrom(65536)
            except socket.timeout:
                break
            icmp = data if v6 else data[(data[0] & 0x0F) * 4:]
            if len(icmp) >= 8 and icmp[0] == reply_kind and peer[0] == dst \
                    and struct.unpack("!H", icmp[4:6])[0] == ident:
                return "allow", "echo reply"
        return "deny", "no echo reply"
    finally:
        s.close()


def once(args) -> dict:
    start = time.monotonic()
    try:
        if args.proto == "tcp":
            observed, detail = probe_tcp(args.src, args.dst, args.port, args.timeout)
        elif args.proto == "udp":
            observed, detail = probe_udp(args.src, args.dst, args.port, args.timeout)
        elif args.proto == "sctp" and args.sctp_mode == "kernel":
            observed, detail = probe_tcp(args.src, args.dst, args.port, args.timeout,
                                         sctp.IPPROTO_SCTP)
        elif args.proto == "sctp":
            observed, detail = probe_sctp(args.src, args.dst, args.port, args.timeout)
        else:
            observed, detail = probe_icmp(args.src, args.dst, args.timeout)
    except OSError as e:
        observed, detail = "error", str(e)
    return {"observed": observed, "detail": detail,
            "ms": round((time.monotonic() - start) * 1000, 1)}


def hold(args) -> int:
    s = socket.socket(family_of(args.dst), socket.SOCK_STREAM)
    s.bind((args.src, 0))
    s.settimeout(args.timeout)
    try:
        s.connect((args.dst, args.port))
    except OSError as e:
        print(json.dumps({"observed": "deny", "detail": f"connect: {e}"}), flush=True)
        return 0
    print(json.dumps({"observed": "allow", "detail": "connected",
                      "local": s.getsockname()[:2]}), flush=True)
    deadline = time.monotonic() + args.max_seconds
    alive = True
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sys.stdin], [], [], min(1.0, deadline - time.monotonic()))
        if not ready:
            continue
        line = sys.stdin.readline()
        if not line:
            break
        if not alive:
            print(json.dumps({"observed": "closed", "detail": "connection gone"}), flush=True)
            continue
        token = secrets.token_hex(16).encode()
        try:
            s.sendall(token)
            back = recv_exact(s, len(token), time.monotonic() + args.timeout)
        except (socket.timeout, OSError) as e:
            back = b""
            if not isinstance(e, socket.timeout):
                alive = False
        if back == token:
            print(json.dumps({"observed": "allow", "detail": "echoed"}), flush=True)
        else:
            # A lost echo leaves bytes in flight: the connection cannot be trusted again.
            alive = False
            print(json.dumps({"observed": "deny", "detail": "no echo"}), flush=True)
    s.close()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("once", "hold"))
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--proto", default="tcp", choices=("tcp", "udp", "sctp", "icmp"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1.5)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--sctp-mode", choices=("kernel", "user"), default="user")
    args = ap.parse_args()
    if args.mode == "hold":
        return hold(args)
    print(json.dumps(once(args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
