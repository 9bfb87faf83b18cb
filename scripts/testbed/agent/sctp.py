"""SCTP for the testbed: the kernel's, where it has SCTP, else the opening of an association
(INIT, INIT-ACK, ABORT; RFC 9260) spoken from userspace over raw IP sockets.

With kernel SCTP the servers echo on SOCK_STREAM SCTP sockets and the probe connects like TCP.
The userspace mode must not run beside kernel SCTP: the kernel would answer the same INIT with
an ABORT (no listener) and the client's kernel would ABORT the INIT-ACK (out of the blue).

Only as much as a firewall test needs: the client's INIT must reach the server and the server's
INIT-ACK (tagged with the client's initiate tag) must come back; then the client ABORTs. While a
raw socket for protocol 132 is open in a namespace, its kernel delivers SCTP to it instead of
answering "protocol unreachable".
"""
from __future__ import annotations

import os
import socket
import struct

IPPROTO_SCTP = 132
CHUNK_INIT, CHUNK_INIT_ACK, CHUNK_ABORT = 1, 2, 6
PARAM_STATE_COOKIE = 7


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _packet(sport: int, dport: int, vtag: int, chunks: bytes) -> bytes:
    body = struct.pack("!HHII", sport, dport, vtag, 0) + chunks
    # The CRC32c goes on the wire least significant byte first (RFC 9260, appendix A).
    return body[:8] + struct.pack("<I", crc32c(body)) + body[12:]


def _chunk(kind: int, flags: int, value: bytes) -> bytes:
    raw = struct.pack("!BBH", kind, flags, 4 + len(value)) + value
    return raw + b"\0" * (-len(raw) % 4)


def init(sport: int, dport: int, tag: int) -> bytes:
    # Initiate tag, a_rwnd, outbound streams, inbound streams, initial TSN.
    return _packet(sport, dport, 0, _chunk(CHUNK_INIT, 0, struct.pack("!IIHHI", tag, 65536, 1, 1, tag)))


def init_ack(sport: int, dport: int, peer_tag: int, tag: int) -> bytes:
    cookie = os.urandom(16)
    param = struct.pack("!HH", PARAM_STATE_COOKIE, 4 + len(cookie)) + cookie
    value = struct.pack("!IIHHI", tag, 65536, 1, 1, tag) + param
    return _packet(sport, dport, peer_tag, _chunk(CHUNK_INIT_ACK, 0, value))


def abort(sport: int, dport: int, peer_tag: int) -> bytes:
    return _packet(sport, dport, peer_tag, _chunk(CHUNK_ABORT, 0, b""))


def parse(packet: bytes) -> dict | None:
    """The common header and first chunk of an SCTP packet with a correct checksum."""
    if len(packet) < 16:
        return None
    sport, dport, vtag = struct.unpack("!HHI", packet[:8])
    (cksum,) = struct.unpack("<I", packet[8:12])
    if crc32c(packet[:8] + b"\0\0\0\0" + packet[12:]) != cksum:
        return None
    kind, _flags, length = struct.unpack("!BBH", packet[12:16])
    out = {"sport": sport, "dport": dport, "vtag": vtag, "chunk": kind}
    if kind in (CHUNK_INIT, CHUNK_INIT_ACK) and length >= 20 and len(packet) >= 32:
        (out["initiate_tag"],) = struct.unpack("!I", packet[16:20])
    return out


def raw_socket(address: str) -> socket.socket:
    """A raw SCTP socket bound to one local address (so replies leave from it)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_RAW, IPPROTO_SCTP)
    s.bind((address, 0))
    return s


def payload(family: int, data: bytes) -> bytes:
    """The SCTP part of what a raw socket read: IPv4 raw sockets include the IP header."""
    if family == socket.AF_INET:
        ihl = (data[0] & 0x0F) * 4 if data else 0
        return data[ihl:]
    return data


def kernel_available() -> bool:
    """Whether this kernel speaks SCTP (built in, or its module already loaded)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP).close()
        return True
    except OSError:
        return False


assert crc32c(b"123456789") == 0xE3069283
