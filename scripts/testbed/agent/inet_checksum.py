"""The Internet checksum (RFC 1071) of IPv4 headers, TCP, UDP and ICMP.

One copy for every script that writes packets by hand: the testbed's probe, the live tests'
frames and the benchmarks' pcaps. It lives beside the probe because the probe runs alone inside
a namespace and finds its helpers in its own directory; the others put this directory on their
path.
"""
from __future__ import annotations

import struct


def inet_checksum(data: bytes) -> int:
    """The ones' complement of the ones' complement sum of `data` as 16-bit big-endian words,
    an odd last byte padded with zero. Summed over a header whose checksum field is zero, it is
    the value to write there."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
