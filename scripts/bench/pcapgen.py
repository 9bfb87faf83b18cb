"""Benchmark frames written as classic pcap files, by hand (no scapy on the machine).

Each flow is an IPv4 TCP connection attempt: its first frame is a SYN (the only TCP packet that
may open a conntrack entry), the others are ACKs of the same 5-tuple, so podwall classifies each
flow once and then runs the established path. Frames are laid out SYN-for-every-flow first, then
rounds of one ACK per flow, so consecutive frames belong to different flows: a flow table as
big as the flow count is walked, not one hot entry.

Frame sizes are Ethernet frame sizes with the 4-byte FCS, as RFC 2544 counts them: a 64 B frame
is 60 bytes in the file.
"""

import ipaddress
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "testbed" / "agent"))
from inet_checksum import inet_checksum  # noqa: E402

TCP_SYN = 0x02
TCP_ACK = 0x10
FCS = 4
MIN_FRAME = 64


def mac_of(ip: str, side: int) -> bytes:
    """A locally administered unicast MAC derived from the pod's IPv4 address. Sources and
    destinations get different prefixes: on a pcap -> null bench every source is learnt on the
    pcap port, and a destination MAC learnt there would be dropped as `same_port`."""
    return bytes([0x02, side]) + ipaddress.IPv4Address(ip).packed


def tcp_frame(src: str, dst: str, sport: int, dport: int, flags: int, frame_size: int) -> bytes:
    if frame_size < MIN_FRAME:
        raise ValueError(f"frame size {frame_size} is below {MIN_FRAME}")
    wire = frame_size - FCS
    ip_len = wire - 14
    payload = bytes(ip_len - 40)
    s = ipaddress.IPv4Address(src).packed
    d = ipaddress.IPv4Address(dst).packed
    seq = 1000 if flags == TCP_SYN else 1001
    ack = 0 if flags == TCP_SYN else 1
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = s + d + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", inet_checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
    eth = mac_of(dst, 0xDD) + mac_of(src, 0x5C) + b"\x08\x00"
    return eth + ip + tcp


class Flow:
    """One TCP connection attempt of the workload and the verdict podwallctl gave it."""

    def __init__(self, src: str, dst: str, sport: int, dport: int, allowed: bool):
        self.src, self.dst, self.sport, self.dport, self.allowed = src, dst, sport, dport, allowed

    def key(self):
        return (self.src, self.dst, self.sport, self.dport)


def frame_order(flows, acks_per_flow: int):
    """(flow, flags) in file order: every SYN, then `acks_per_flow` rounds of ACKs."""
    for f in flows:
        yield f, TCP_SYN
    for _ in range(acks_per_flow):
        for f in flows:
            yield f, TCP_ACK


def write_pcap(path: str, flows, acks_per_flow: int, frame_size: int) -> int:
    """Writes the workload; returns the number of frames."""
    count = 0
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (f, flags) in enumerate(frame_order(flows, acks_per_flow)):
            frame = tcp_frame(f.src, f.dst, f.sport, f.dport, flags, frame_size)
            out.write(struct.pack("<IIII", i // 1_000_000, i % 1_000_000, len(frame), len(frame)))
            out.write(frame)
            count += 1
    return count


def read_pcap_tuples(path: str):
    """(src, dst, sport, dport) of every IPv4 TCP frame in a classic pcap (for the checks)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack(order + "IIII", data[pos:pos + 16])[2]
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 0x0F) * 4
        src = str(ipaddress.IPv4Address(frame[26:30]))
        dst = str(ipaddress.IPv4Address(frame[30:34]))
        sport, dport = struct.unpack("!HH", frame[14 + ihl:18 + ihl])
        yield (src, dst, sport, dport)
