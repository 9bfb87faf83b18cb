"""Ethernet frames built by hand, good and bad, for the live bad-packets test; a pcap writer.

Plain struct, no packet library: every byte of every malformed header is written here on
purpose. Checksums are right unless a case says otherwise, so that a frame a bug let through
would be accepted by the receiving pod's kernel and show up in its capture.
"""
from __future__ import annotations

import ipaddress
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "testbed" / "agent"))
from inet_checksum import inet_checksum as checksum  # noqa: E402

ETH_IPV4, ETH_IPV6, ETH_ARP = 0x0800, 0x86DD, 0x0806
ETH_VLAN, ETH_QINQ = 0x8100, 0x88A8
ETH_EXPERIMENTAL = 0x88B5  # IEEE 802 local experimental: no stack takes it
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
HOP_BY_HOP, ROUTING, FRAGMENT, DEST_OPTIONS, NO_NEXT = 0, 43, 44, 60, 59
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def addr(text: str) -> bytes:
    return ipaddress.ip_address(text).packed


def ether(dst: bytes, src: bytes, ethertype: int, payload: bytes,
          tags: list[tuple[int, int]] = ()) -> bytes:
    """An Ethernet frame; `tags` are (TPID, VID) pairs, outermost first."""
    out = dst + src
    for tpid, vid in tags:
        out += struct.pack("!HH", tpid, vid & 0x0FFF)
    return out + struct.pack("!H", ethertype) + payload


def ipv4(src: str, dst: str, proto: int, payload: bytes, ident: int = 1, flags_offset: int = 0,
         ttl: int = 64, options: bytes = b"", total_length: int | None = None,
         ihl: int | None = None, version: int = 4) -> bytes:
    """flags_offset: the 16-bit field (0x2000 = more fragments, low 13 bits = offset / 8)."""
    header_len = 20 + len(options)
    ihl = header_len // 4 if ihl is None else ihl
    total = header_len + len(payload) if total_length is None else total_length
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total, ident, flags_offset, ttl,
                    proto, 0, addr(src), addr(dst)) + options
    h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
    return h + payload


def ipv6(src: str, dst: str, next_header: int, payload: bytes, hop_limit: int = 64,
         payload_length: int | None = None, version: int = 6) -> bytes:
    length = len(payload) if payload_length is None else payload_length
    return struct.pack("!IHBB16s16s", version << 28, length, next_header, hop_limit, addr(src),
                       addr(dst)) + payload


def ext_header(next_header: int, length_units: int = 0) -> bytes:
    """A destination-options-shaped extension header of (length_units + 1) * 8 bytes, padded
    with PadN."""
    size = (length_units + 1) * 8
    return struct.pack("!BBBB", next_header, length_units, 1, size - 4) + b"\0" * (size - 4)


def fragment_header(next_header: int, offset: int, more: bool, ident: int) -> bytes:
    return struct.pack("!BBHI", next_header, 0, (offset & 0xFFF8) | int(more), ident)


def _pseudo(src: str, dst: str, proto: int, length: int) -> bytes:
    if ":" in src:
        return addr(src) + addr(dst) + struct.pack("!IxxxB", length, proto)
    return addr(src) + addr(dst) + struct.pack("!xBH", proto, length)


def tcp(src: str, dst: str, sport: int, dport: int, flags: int, seq: int = 1000,
        ack: int = 0, payload: bytes = b"", data_offset: int = 5) -> bytes:
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, data_offset << 4, flags, 64240, 0,
                      0) + b"\0" * max(0, (data_offset - 5) * 4) + payload
    c = checksum(_pseudo(src, dst, TCP, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src: str, dst: str, sport: int, dport: int, payload: bytes = b"",
        length: int | None = None) -> bytes:
    n = 8 + len(payload) if length is None else length
    dgram = struct.pack("!HHHH", sport, dport, n, 0) + payload
    c = checksum(_pseudo(src, dst, UDP, len(dgram)) + dgram) or 0xFFFF
    return dgram[:6] + struct.pack("!H", c) + dgram[8:]


def icmpv4(icmp_type: int, code: int, body: bytes) -> bytes:
    msg = struct.pack("!BBH", icmp_type, code, 0) + body
    return msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]


def arp(sender_mac: bytes, sender_ip: str, target_ip: str) -> bytes:
    return (struct.pack("!HHBBH", 1, ETH_IPV4, 6, 4, 1) + sender_mac + addr(sender_ip)
            + b"\0" * 6 + addr(target_ip))


def write_pcap_header(f) -> None:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))


def pcap_record(frame: bytes, seconds: int = 0) -> bytes:
    return struct.pack("<IIII", seconds, 0, len(frame), len(frame)) + frame
