#!/usr/bin/env python3
"""Bad packets, live: malformed and hostile frames through the daemon (the bad-packets issue).

tests/data/live/bad-packets: pods edge/client, edge/web and edge/rogue; web admits the client
on tcp/80 and udp/53 and nobody else. One case per run (tests/live/meson.build registers each):
  bad_packets_test.py pcap
      frames written by hand into a pcap that a net_pcap port reads beside the pods' AF_PACKET
      ports: truncated headers at every layer, bad IHL and lengths, IPv6 extension-header
      chains of 8 and 9 headers, bad, tiny, orphan and overlapping fragments, TCP flag
      combinations no stack sends, ACKs without a connection, bad UDP lengths and ICMP errors,
      VLAN, QinQ and triple-tagged frames carrying denied flows
  bad_packets_test.py netns
      the frames a pod can put on its own wire (raw AF_PACKET socket in the rogue's or the
      client's namespace): tagged denied flows, fragments (orphan, tiny, overlapping, of a
      denied datagram), bad TCP flags, a 9-header IPv6 chain
  bad_packets_test.py event-flood
      podwall with a flow log; EVENT_FLOOD denied SYNs rogue -> web from a pcap, written at
      once, so that the workers judge them faster than the control thread drains their event
      queues: the log must account for every one, as a line, a suppressed count or a lost
      count that matches the daemon's flow_events_lost
  bad_packets_test.py syn-flood
      podwall --conntrack-capacity 64 and a connection held open; three times the capacity of
      allowed SYNs from the client: the refused ones are counted and never reach web, the held
      connection goes on, new connections are refused while the table is full and admitted
      again once the flood's entries expire
For every case: the counter of its drop reason moves by exactly the number of frames expected
(and no other drop counter moves), no frame the daemon should drop shows up in a capture on the
destination pod, and the daemon stays up and still enforces the policy on real connections
afterwards. Counters are read through DPDK telemetry (/podwall/stats).

The net_pcap port reads its file through a FIFO: frames that arrive before the first policy
generation is live drop as tables_not_ready (fail closed), and a plain file would be read up
in the microseconds between the workers' start and that publish. The test feeds filler frames
(an experimental ethertype) until the daemon prints its ready line, then the bad frames.
Exit status: 0 passed, 1 failed, 77 skipped (not root, or podwall/podwallctl not built).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "scripts" / "testbed"))
sys.path.insert(0, str(HERE))

import fabric  # noqa: E402
import flow_log  # noqa: E402
import frames as fr  # noqa: E402
import names  # noqa: E402
import netns  # noqa: E402
from harness import run_main  # noqa: E402
from hot_reload_test import Live, require, run_case  # noqa: E402
from scenario import Scenario  # noqa: E402

DATA = ROOT / "tests" / "data" / "live" / "bad-packets"
FLOOD_CAPACITY = 64
EVENT_FLOOD = 50000
SETTLE_SECONDS = 0.5


# -- the daemon's counters, the pods' wires -------------------------------------------------

def telemetry(prefix: str, command: str, seconds: float = 5) -> dict:
    """One DPDK telemetry command on the daemon's socket (what dpdk-telemetry.py does)."""
    path = names.DPDK_RUNTIME_ROOT / prefix / "dpdk_telemetry.v2"
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(seconds)
        s.connect(str(path))
        s.recv(65536)  # the greeting
        s.send(command.encode())
        reply = json.loads(s.recv(1 << 20).decode())
    # Keyed by the command without its parameter ("/podwall/port" for "/podwall/port,3").
    return reply[command.split(",", 1)[0]]


_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def netns_socket(ns: str, family: int, kind: int, proto: int) -> socket.socket:
    """A socket made inside network namespace `ns` (it stays there); this thread returns to
    its own namespace before the call ends."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
        try:
            return socket.socket(family, kind, proto)
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(own)
        os.close(target)


class Wire:
    """A raw AF_PACKET socket on a pod's interface: sends frames as they are, and captures
    every frame that arrives there."""

    def __init__(self, ns: str, dev: str):
        self.s = netns_socket(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind((dev, ETH_P_ALL))
        self.s.setblocking(False)

    def send(self, frame: bytes) -> None:
        self.s.send(frame)

    def drain(self) -> list[bytes]:
        out = []
        while True:
            try:
                data, address = self.s.recvfrom(65536)
            except BlockingIOError:
                return out
            if address[2] != PACKET_OUTGOING:
                out.append(data)

    def close(self) -> None:
        self.s.close()


def untagged(frame: bytes) -> bytes:
    """The frame without its VLAN tags: the receiving kernel moves the outer tag out of the
    frame a packet socket sees, so tagged frames are compared without any."""
    if len(frame) < 14:
        return frame
    body = frame[12:]
    while len(body) >= 6 and int.from_bytes(body[:2], "big") in (fr.ETH_VLAN, fr.ETH_QINQ):
        body = body[4:]
    return frame[:12] + body


def link_mac(ns: str, dev: str) -> bytes:
    return fr.mac(json.loads(netns.ip(ns, "-j", "link", "show", "dev", dev))[0]["address"])


# -- cases ------------------------------------------------------------------------------------

@dataclass
class Case:
    """Frames sent one after the other; `counts` is how much each counter must move. A frame
    whose counter is a drop reason must never reach a pod; `passes` frames must."""
    name: str
    frames: list[bytes]
    counts: dict[str, int]
    passes: list[bytes] = field(default_factory=list)
    sender: str = "rogue"  # netns injection: the pod whose wire sends it


class Pods:
    """Addresses and MACs of the three pods, and builders for the frames the cases use."""

    def __init__(self, bed, fake_source: bool):
        self.att = {k: bed.attachment(f"edge/{k}") for k in ("client", "web", "rogue")}
        self.v4 = {k: a.endpoint.addresses[0] for k, a in self.att.items()}
        self.v6 = {k: a.endpoint.addresses[1] for k, a in self.att.items()}
        self.mac = {k: link_mac(a.ns, a.pod_if) for k, a in self.att.items()}
        # Frames from the pcap port carry a made-up source MAC: if one were forwarded, the
        # bridge would not move a pod's MAC to that port.
        self.fake_source = fake_source
        self._ident = 0x4000
        self._sport = 40000

    def src_mac(self, who: str) -> bytes:
        return fr.mac("02:bd:00:00:00:01") if self.fake_source else self.mac[who]

    def ident(self) -> int:
        self._ident += 1
        return self._ident

    def sport(self) -> int:
        self._sport += 1
        return self._sport

    def eth(self, who: str, ethertype: int, payload: bytes, tags=()) -> bytes:
        return fr.ether(self.mac["web"], self.src_mac(who), ethertype, payload, tags)

    def v4_to_web(self, who: str, proto: int, l4: bytes, tags=(), **ip) -> bytes:
        return self.eth(who, fr.ETH_IPV4,
                        fr.ipv4(self.v4[who], self.v4["web"], proto, l4, **ip), tags)

    def v6_to_web(self, who: str, next_header: int, payload: bytes, **ip) -> bytes:
        return self.eth(who, fr.ETH_IPV6,
                        fr.ipv6(self.v6[who], self.v6["web"], next_header, payload, **ip))

    def tcp4(self, who: str, dport: int, flags: int, **kw) -> bytes:
        return fr.tcp(self.v4[who], self.v4["web"], kw.pop("sport", None) or self.sport(),
                      dport, flags, **kw)

    def tcp6(self, who: str, dport: int, flags: int, payload: bytes = b"") -> bytes:
        return fr.tcp(self.v6[who], self.v6["web"], self.sport(), dport, flags, payload=payload)

    def syn4(self, who: str, dport: int, tags=()) -> bytes:
        return self.v4_to_web(who, fr.TCP, self.tcp4(who, dport, fr.SYN), tags=tags)

    def udp4(self, who: str, dport: int, payload: bytes = b"bad-packets", **kw) -> bytes:
        return fr.udp(self.v4[who], self.v4["web"], self.sport(), dport, payload, **kw)

    def udp6(self, who: str, dport: int, payload: bytes) -> bytes:
        return fr.udp(self.v6[who], self.v6["web"], self.sport(), dport, payload)

    def fragments(self, v6: bool, who: str, proto: int, data: bytes,
                  pieces: list[tuple[int, int, bool]], ident: int | None = None) -> list[bytes]:
        """Fragments of one datagram: (offset, length, more) cut from `data` (the L4 bytes),
        with a new fragment id unless `ident` is given."""
        ident = self.ident() if ident is None else ident
        if v6:
            return [self.v6_to_web(who, fr.FRAGMENT, fr.fragment_header(proto, o, more, ident)
                                   + data[o:o + n]) for o, n, more in pieces]
        return [self.v4_to_web(who, proto, data[o:o + n], ident=ident,
                               flags_offset=(0x2000 if more else 0) | (o // 8))
                for o, n, more in pieces]


def chain(count: int, last: int) -> bytes:
    """`count` destination-options headers in a row, the last pointing at `last`."""
    return b"".join(fr.ext_header(fr.DEST_OPTIONS if i + 1 < count else last)
                    for i in range(count))


def fragment_cases(p: Pods, v6: bool) -> list[Case]:
    """Fragments that must not get a denied flow through, nor smuggle an allowed one."""
    family = "IPv6" if v6 else "IPv4"
    tcp = (lambda who, payload: p.tcp6(who, 80, fr.SYN, payload=payload)) if v6 else \
        (lambda who, payload: p.tcp4(who, 80, fr.SYN, payload=payload))
    udp = (lambda who, payload, dport=53: p.udp6(who, dport, payload)) if v6 else \
        (lambda who, payload, dport=53: p.udp4(who, dport, payload))
    cases = [
        Case(f"{family} non-first fragment to a denied port (rogue -> web tcp/80), no first",
             p.fragments(v6, "rogue", fr.TCP, tcp("rogue", b"x" * 20), [(24, 16, False)]),
             {"orphan_fragment": 1}),
        Case(f"{family} rogue -> web tcp/80 SYN in two fragments",
             p.fragments(v6, "rogue", fr.TCP, tcp("rogue", b"x" * 20),
                         [(0, 24, True), (24, 16, False)]),
             {"policy_denied": 1, "fragment_of_denied_datagram": 1}),
        Case(f"{family} tiny first fragment, 8 bytes of TCP (client -> web tcp/80), then the rest",
             p.fragments(v6, "client", fr.TCP, tcp("client", b"x" * 8),
                         [(0, 8, True), (8, 20, False)]),
             {"tiny_fragment": 1, "orphan_fragment": 1}, sender="client"),
    ]
    first, overlap, after = p.fragments(v6, "client", fr.UDP, udp("client", b"z" * 40),
                                        [(0, 16, True), (8, 16, True), (32, 16, True)])
    cases.append(Case(f"{family} overlapping fragments of allowed client -> web udp/53; the first "
                      f"passes", [first, overlap, after],
                      {"flows_allowed": 1, "overlapping_fragment": 1,
                       "fragment_of_poisoned_datagram": 1}, passes=[first], sender="client"))
    # The same fragment id, offset and length, but the L4 header of a denied flow: once taken
    # for a duplicate of the allowed first fragment, it passed unjudged.
    ident = p.ident()
    allowed_first, allowed_rest = p.fragments(v6, "client", fr.UDP, udp("client", b"w" * 40),
                                              [(0, 16, True), (16, 32, False)], ident=ident)
    (denied_first,) = p.fragments(v6, "client", fr.UDP, udp("client", b"w" * 40, dport=54),
                                  [(0, 16, True)], ident=ident)
    cases.append(Case(f"{family} first fragment of allowed client -> web udp/53, then one of the "
                      f"same datagram to udp/54 (denied): an overlap, not a duplicate",
                      [allowed_first, denied_first, allowed_rest],
                      {"flows_allowed": 1, "overlapping_fragment": 1,
                       "fragment_of_poisoned_datagram": 1}, passes=[allowed_first],
                      sender="client"))
    return cases


def common_cases(p: Pods) -> list[Case]:
    """Cases a pod can send on its own wire as well as from a pcap."""
    cases = []
    cases.append(Case("802.1Q tag carrying rogue -> web tcp/80 SYN",
                      [p.syn4("rogue", 80, tags=[(fr.ETH_VLAN, 10)])], {"policy_denied": 1}))
    cases.append(Case("QinQ (802.1ad + 802.1Q) carrying rogue -> web udp/53",
                      [p.v4_to_web("rogue", fr.UDP, p.udp4("rogue", 53),
                                   tags=[(fr.ETH_QINQ, 20), (fr.ETH_VLAN, 10)])],
                      {"policy_denied": 1}))
    cases.append(Case("802.1Q tag carrying client -> web tcp/8080 SYN",
                      [p.syn4("client", 8080, tags=[(fr.ETH_VLAN, 10)])], {"policy_denied": 1},
                      sender="client"))
    flags = [("SYN+FIN", fr.SYN | fr.FIN), ("SYN+RST", fr.SYN | fr.RST), ("NULL", 0),
             ("FIN alone", fr.FIN), ("SYN+FIN+PSH+URG", fr.SYN | fr.FIN | fr.PSH | 0x20)]
    for label, f in flags:
        cases.append(Case(f"{label} on the allowed client -> web tcp/80",
                          [p.v4_to_web("client", fr.TCP, p.tcp4("client", 80, f))],
                          {"bad_tcp_flags": 1, "flows_allowed": 0}, sender="client"))
    cases.append(Case("SYN+FIN, IPv6, rogue -> web tcp/80",
                      [p.v6_to_web("rogue", fr.TCP, p.tcp6("rogue", 80, fr.SYN | fr.FIN))],
                      {"bad_tcp_flags": 1}))
    cases.append(Case("ACK without a connection (client -> web tcp/80)",
                      [p.v4_to_web("client", fr.TCP, p.tcp4("client", 80, fr.ACK, ack=1))],
                      {"no_flow": 1, "flows_allowed": 0}, sender="client"))
    cases.append(Case("SYN+ACK without a connection (rogue -> web tcp/80)",
                      [p.v4_to_web("rogue", fr.TCP, p.tcp4("rogue", 80, fr.SYN | fr.ACK))],
                      {"no_flow": 1}))
    syn6 = p.tcp6("rogue", 80, fr.SYN)
    cases.append(Case("IPv6 chain of 8 extension headers, rogue -> web tcp/80 SYN",
                      [p.v6_to_web("rogue", fr.DEST_OPTIONS, chain(8, fr.TCP) + syn6)],
                      {"policy_denied": 1}))
    syn6 = p.tcp6("rogue", 80, fr.SYN)
    cases.append(Case("IPv6 chain of 9 extension headers, rogue -> web tcp/80 SYN",
                      [p.v6_to_web("rogue", fr.DEST_OPTIONS, chain(9, fr.TCP) + syn6)],
                      {"ipv6_ext_chain_too_long": 1}))
    syn6 = p.tcp6("client", 80, fr.SYN)
    cases.append(Case("IPv6 chain of 9 extension headers, allowed client -> web tcp/80",
                      [p.v6_to_web("client", fr.DEST_OPTIONS, chain(9, fr.TCP) + syn6)],
                      {"ipv6_ext_chain_too_long": 1, "flows_allowed": 0}, sender="client"))
    return cases


def kernel_reassembly_cases(p: Pods) -> list[Case]:
    """IPv4 fragments from a pod's wire over AF_PACKET ports. DPDK's net_af_packet joins a
    PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles IPv4
    datagrams before podwall reads them: podwall judges the whole datagram, and fragments the
    kernel cannot reassemble (orphans, overlaps) never reach it. Either way nothing gets out
    that the policy denies; podwall's own fragment rules meet IPv4 fragments on other port
    types (the pcap case) and IPv6 fragments everywhere."""
    seg = p.tcp4("rogue", 80, fr.SYN, payload=b"x" * 20)
    return [
        Case("IPv4 rogue -> web tcp/80 SYN in two fragments, reassembled by the kernel",
             p.fragments(False, "rogue", fr.TCP, seg, [(0, 24, True), (24, 16, False)]),
             {"policy_denied": 1}),
        Case("IPv4 non-first fragment to a denied port: held by the kernel, never seen",
             p.fragments(False, "rogue", fr.TCP, p.tcp4("rogue", 80, fr.SYN, payload=b"x" * 20),
                         [(24, 16, False)]), {}),
    ]


def pcap_only_cases(p: Pods) -> list[Case]:
    """Frames no pod's wire carries as they are (shorter than a header, lengths that lie):
    only a pcap puts them in front of the parser byte for byte."""
    web6, rogue4, web4 = p.v6["web"], p.v4["rogue"], p.v4["web"]
    syn = p.tcp4("rogue", 80, fr.SYN)
    ip = fr.ipv4(rogue4, web4, fr.TCP, syn)
    e = lambda ethertype, payload, tags=(): p.eth("rogue", ethertype, payload, tags)  # noqa: E731
    cases = [
        Case("frames of 10 and 13 bytes", [p.mac["web"][:6] + b"\x02\xbd\0\0",
                                           p.mac["web"] + b"\x02\xbd\0\0\0\0\x08"],
             {"truncated_l2": 2}),
        Case("802.1Q tag cut after 2 bytes", [p.mac["web"] + p.src_mac("rogue") + b"\x81\x00\x00"
                                              b"\x0a"], {"truncated_vlan": 1}),
        Case("three stacked tags carrying rogue -> web tcp/80",
             [e(fr.ETH_IPV4, ip, [(fr.ETH_QINQ, 1), (fr.ETH_VLAN, 2), (fr.ETH_VLAN, 3)])],
             {"too_many_vlan_tags": 1}),
        Case("ARP cut inside its addresses", [e(fr.ETH_ARP, fr.arp(p.src_mac("rogue"), rogue4,
                                                                   web4)[:18])],
             {"truncated_arp": 1}),
        Case("unknown ethertype 0x88b5", [e(fr.ETH_EXPERIMENTAL, b"\0" * 46)],
             {"unknown_ethertype": 1}),
        Case("IPv4 header cut at 10 bytes; IHL 15 with the frame ending in the options",
             [e(fr.ETH_IPV4, ip[:10]),
              e(fr.ETH_IPV4, bytes([0x4F]) + ip[1:])],
             {"truncated_ipv4": 2}),
        Case("IPv4 ethertype, version 5", [e(fr.ETH_IPV4, bytes([0x55]) + ip[1:])],
             {"bad_ipv4_version": 1}),
        Case("IHL 4 (16-byte header)", [e(fr.ETH_IPV4, bytes([0x44]) + ip[1:])],
             {"bad_ipv4_ihl": 1}),
        Case("total length 12 (below the header); total length 1500 (beyond the frame)",
             [e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.TCP, syn, total_length=12)),
              e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.TCP, syn, total_length=1500))],
             {"bad_ipv4_total_length": 2}),
        Case("IPv6 header cut at 30 bytes",
             [e(fr.ETH_IPV6, fr.ipv6(p.v6["rogue"], web6, fr.TCP, b"")[:30])],
             {"truncated_ipv6": 1}),
        Case("IPv6 ethertype, version 4",
             [e(fr.ETH_IPV6, fr.ipv6(p.v6["rogue"], web6, fr.TCP, p.tcp6("rogue", 80, fr.SYN),
                                     version=4))], {"bad_ipv6_version": 1}),
        Case("IPv6 payload length beyond the frame",
             [e(fr.ETH_IPV6, fr.ipv6(p.v6["rogue"], web6, fr.TCP, p.tcp6("rogue", 80, fr.SYN),
                                     payload_length=400))], {"bad_ipv6_payload_length": 1}),
        Case("IPv6 destination options announcing 16 bytes, 8 there",
             [e(fr.ETH_IPV6, fr.ipv6(p.v6["rogue"], web6, fr.DEST_OPTIONS,
                                     fr.ext_header(fr.TCP, 1)[:8]))],
             {"truncated_ipv6_ext_header": 1}),
        Case("hop-by-hop after destination options; two fragment headers",
             [e(fr.ETH_IPV6, fr.ipv6(p.v6["rogue"], web6, fr.DEST_OPTIONS,
                                     fr.ext_header(fr.HOP_BY_HOP) + fr.ext_header(fr.TCP)
                                     + p.tcp6("rogue", 80, fr.SYN))),
              e(fr.ETH_IPV6, fr.ipv6(p.v6["rogue"], web6, fr.FRAGMENT,
                                     fr.fragment_header(fr.FRAGMENT, 0, True, 7)
                                     + fr.fragment_header(fr.TCP, 0, True, 7)
                                     + p.tcp6("rogue", 80, fr.SYN)))],
             {"bad_ipv6_ext_chain": 2}),
        Case("IPv6 first fragment whose header chain goes on past it",
             [e(fr.ETH_IPV6, fr.ipv6(p.v6["rogue"], web6, fr.FRAGMENT,
                                     fr.fragment_header(fr.DEST_OPTIONS, 0, True, 8)
                                     + fr.ext_header(fr.TCP, 2)[:16]))],
             {"ipv6_ext_chain_not_in_first_fragment": 1}),
        Case("IPv4 non-last fragment of 12 bytes",
             [e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.TCP, syn[:12], ident=p.ident(),
                                     flags_offset=0x2000))], {"bad_fragment_length": 1}),
        Case("IPv4 fragment ending past 65535 bytes",
             [e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.TCP, b"\0" * 24, ident=p.ident(),
                                     flags_offset=65528 // 8))], {"bad_fragment_offset": 1}),
        Case("TCP header cut at 10 bytes; UDP header cut at 4",
             [e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.TCP, syn[:10])),
              e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.UDP, p.udp4("rogue", 53)[:4]))],
             {"truncated_l4": 2}),
        Case("TCP data offset 4; data offset 15 in a 20-byte segment",
             [e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.TCP, p.tcp4("rogue", 80, fr.SYN,
                                                                  data_offset=4))),
              e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.TCP,
                                     syn[:12] + bytes([0xF0]) + syn[13:]))],
             {"bad_tcp_data_offset": 2}),
        Case("UDP length 4; UDP length beyond the payload (client -> web udp/53)",
             [p.v4_to_web("client", fr.UDP, p.udp4("client", 53, length=4)),
              p.v4_to_web("client", fr.UDP, p.udp4("client", 53, length=200))],
             {"bad_udp_length": 2, "flows_allowed": 0}),
        Case("ICMP unreachable quoting 4 bytes",
             [e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.ICMP, fr.icmpv4(3, 3, b"\0" * 4
                                                                     + ip[:4])))],
             {"bad_icmp_error": 1}),
        Case("ICMP port unreachable about a flow nobody opened",
             [e(fr.ETH_IPV4, fr.ipv4(rogue4, web4, fr.ICMP, fr.icmpv4(
                 3, 3, b"\0" * 4 + fr.ipv4(web4, rogue4, fr.UDP,
                                           fr.udp(web4, rogue4, 5353, 53, b"q"))[:28])))],
             {"icmp_error_unrelated": 1}),
    ]
    # Nine disjoint pieces of one allowed datagram: the tracker keeps eight.
    dgram = p.udp4("client", 53, b"h" * 300)
    pieces = [(0, 16, True)] + [(32 * i, 16, True) for i in range(1, 9)]
    frags = p.fragments(False, "client", fr.UDP, dgram, pieces)
    cases.append(Case("nine disjoint fragments of an allowed datagram (client -> web udp/53)",
                      frags, {"flows_allowed": 1, "fragments_passed": 7,
                              "too_many_fragment_holes": 1}, passes=frags[:8],
                      sender="client"))
    return cases


# -- checking ---------------------------------------------------------------------------------

ROW = "  {:<66} {:<42} {:>8} {:>8}  {}"
CASE_ROW = "  {:<80} {:>6} {:>7}  {:<8}  {}"
TOTAL_ROW = "  {:<44} {:>8} {:>8}  {}"


def deltas(before: dict, after: dict) -> dict:
    return {k: after[k] - before.get(k, 0) for k in after if isinstance(after[k], int)}


def expected_counts(cases: list[Case]) -> dict[str, int]:
    want: dict[str, int] = {}
    for c in cases:
        for k, n in c.counts.items():
            key = k if k in ("flows_allowed", "fragments_passed") else "drop_" + k
            want[key] = want.get(key, 0) + n
    return want


def check(cases: list[Case], moved: dict, captured: list[bytes],
          adjust: dict[str, int] = None) -> int:
    """Prints a row per case and per counter; returns the number of mismatches."""
    adjust = adjust or {}
    arrived = {untagged(f) for f in captured}

    def reached(frame: bytes) -> bool:
        # Exactly as sent, or padded with zeros to the Ethernet minimum on the way.
        u = untagged(frame)
        return u in arrived or any(a.startswith(u) and not a[len(u):].strip(b"\0")
                                   for a in arrived if len(a) > len(u))

    bad = 0
    print(CASE_ROW.format("case", "frames", "to pass", "result", "counters that must move"))
    for c in cases:
        leaks = [f for f in c.frames if f not in c.passes and reached(f)]
        missing = [f for f in c.passes if not reached(f)]
        ok = not leaks and not missing
        bad += not ok
        what = ", ".join(f"{k} +{n}" for k, n in c.counts.items()) or "none"
        note = "" if ok else (f"  ({len(leaks)} dropped frame(s) reached web)" if leaks else
                              f"  ({len(missing)} allowed frame(s) did not reach web)")
        print(CASE_ROW.format(c.name, len(c.frames), len(c.passes), "OK" if ok else "MISMATCH",
                              what) + note)
    print()
    want = expected_counts(cases)
    for k, n in adjust.items():
        want[k] = want.get(k, 0) + n
    print(TOTAL_ROW.format("counter (every other drop reason must stay 0)", "expected",
                           "observed", "result"))
    for k in sorted(moved):
        if not (k.startswith("drop_") or k in want):
            continue
        exp, got = want.get(k, 0), moved[k]
        if exp == 0 and got == 0:
            continue
        ok = exp == got
        bad += not ok
        print(TOTAL_ROW.format(k, exp, got, "OK" if ok else "MISMATCH"))
    missing = [k for k in want if k not in moved]
    for k in missing:
        print(TOTAL_ROW.format(k, want[k], "absent", "MISMATCH"))
        bad += 1
    return bad


def stats(live: Live) -> dict:
    return telemetry(live.run.dpdk_prefix, "/podwall/stats")


def check_port_drops(port: dict, cases: list[Case], fillers: int) -> int:
    """The drops counted on the pcap's own port: exactly the cases' and the fillers', each
    filler as tables_not_ready or unknown_ethertype, and nothing else -- no pod's frame is
    counted here, so unlike the totals this adds up exactly."""
    want = {k: n for k, n in expected_counts(cases).items() if k.startswith("drop_")}
    early = port.get("drop_tables_not_ready", 0)
    want["drop_tables_not_ready"] = early
    want["drop_unknown_ethertype"] = want.get("drop_unknown_ethertype", 0) + fillers - early
    got = {k: v for k, v in port.items() if k.startswith("drop_")}
    bad = sorted(k for k in set(want) | set(got) if want.get(k, 0) != got.get(k, 0))
    total_ok = port.get("dropped") == sum(want.values())
    ok = not bad and total_ok and bool(got)
    detail = "" if ok else ("  (" + ", ".join(f"{k} {want.get(k, 0)} vs {got.get(k, 'absent')}"
                                              for k in bad) +
                            f"; dropped {port.get('dropped')} vs {sum(want.values())})")
    print(f"  {port.get('name')}'s own drop counters: {len(want)} reasons, "
          f"{sum(want.values())} frames, as expected  {'OK' if ok else 'MISMATCH'}{detail}")
    return 0 if ok else 1


def podwallctl_stats(live: Live) -> tuple[dict[str, int], dict[str, int]]:
    """`podwallctl stats --all` as a user runs it: its totals, and each port's rx by driver."""
    r = subprocess.run([str(live.args.podwallctl), "stats", "--all", "--socket",
                        str(live.dp.ctl_socket)], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"podwallctl stats: {r.stderr.strip() or r.stdout.strip()}")
    totals: dict[str, int] = {}
    port_rx: dict[str, int] = {}
    section, columns = "totals", []
    for line in r.stdout.splitlines():
        words = line.split()
        if words[:1] in (["port"], ["worker"]):
            section, columns = words[0], words
        elif section == "totals" and len(words) == 2 and words[1].isdigit():
            totals[words[0]] = int(words[1])
        elif section == "port" and len(words) == len(columns) and words[0].isdigit():
            row = dict(zip(columns, words))
            port_rx[row["driver"]] = int(row["rx"])
    return totals, port_rx


def check_podwallctl_stats(live: Live, telemetry_totals: dict, cases: list[Case],
                           pcap_frames: int) -> int:
    """podwallctl stats must show what telemetry shows: the drop reasons only the cases move
    (the pods' own frames never are malformed), and the frames the net_pcap port read."""
    totals, port_rx = podwallctl_stats(live)
    moved_by_pods = {"drop_tables_not_ready", "drop_policy_denied", "drop_no_flow"}
    names_ = sorted(k for k in expected_counts(cases) if k.startswith("drop_")
                    and k not in moved_by_pods)
    bad = [k for k in names_ if totals.get(k) != telemetry_totals.get(k)]
    pcap_ok = port_rx.get("net_pcap") == pcap_frames
    ok = not bad and pcap_ok and totals.get("generation") == telemetry_totals.get("generation")
    detail = "" if ok else (f"  (differs: {', '.join(bad)}; net_pcap rx "
                            f"{port_rx.get('net_pcap')} vs {pcap_frames})")
    print(f"  podwallctl stats agrees with telemetry on {len(names_)} drop reasons, the "
          f"generation and net_pcap0's rx  {'OK' if ok else 'MISMATCH'}{detail}")
    return 0 if ok else 1


def settle(live: Live, seconds: float = 10) -> dict:
    """Counters once they stop moving (frames in flight judged, the 1 ms mirror copied)."""
    deadline = time.monotonic() + seconds
    last = stats(live)
    while time.monotonic() < deadline:
        time.sleep(SETTLE_SECONDS)
        now = stats(live)
        if now == last:
            return now
        last = now
    return last


def alive(live: Live) -> int:
    up = live.dp.proc.p.poll() is None
    print(f"  daemon: {'running' if up else f'exited with status {live.dp.proc.p.returncode}'}"
          f"  {'OK' if up else 'MISMATCH'}", flush=True)
    return 0 if up else 1


def check_flows(live: Live, title: str) -> int:
    return live.check(title, live.scenario.flows)


# -- the pcap case ----------------------------------------------------------------------------

class PcapFeeder(threading.Thread):
    """Writes a pcap into the FIFO the net_pcap port reads: the file header, filler frames
    until go() (so the worker, which blocks reading the FIFO, keeps looping while the daemon
    starts), then the frames, then EOF."""

    BURST = 32

    def __init__(self, fifo: Path, filler: bytes, seconds: float = 120):
        super().__init__(daemon=True)
        self.fifo = fifo
        self.filler = fr.pcap_record(filler)
        self.deadline = time.monotonic() + seconds
        self.fillers = 0
        self.records = 0
        self.error: str | None = None
        self._frames: list[bytes] | None = None
        self._at_once = False
        self._go = threading.Event()
        self.done = threading.Event()

    def go(self, frames: list[bytes], at_once: bool = False) -> None:
        """Writes `frames` after the fillers: one record a write, or with `at_once` all in
        one write, as fast as the daemon reads them."""
        self._frames = frames
        self._at_once = at_once
        self._go.set()

    def stop(self) -> None:
        self.deadline = 0
        self._go.set()

    def run(self) -> None:
        fd = None
        try:
            while fd is None:
                try:
                    fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:  # ENXIO until the daemon opens it for reading
                    if time.monotonic() > self.deadline:
                        raise
                    time.sleep(0.02)
            os.set_blocking(fd, True)
            with os.fdopen(fd, "wb", buffering=0) as f:
                fd = None
                fr.write_pcap_header(f)
                while not self._go.is_set():
                    if time.monotonic() > self.deadline:
                        return
                    f.write(self.filler * self.BURST)
                    self.fillers += self.BURST
                    self.records += self.BURST
                    time.sleep(0.005)
                if self._at_once:
                    f.write(b"".join(fr.pcap_record(frame) for frame in self._frames or []))
                    self.records += len(self._frames or [])
                for frame in [] if self._at_once else self._frames or []:
                    f.write(fr.pcap_record(frame))
                    self.records += 1
        except OSError as e:
            self.error = str(e)
        finally:
            if fd is not None:
                os.close(fd)
            self.done.set()


def build_with_pcap_feeder(live: Live) -> tuple[Path, PcapFeeder]:
    """The testbed with its manifests, and a FIFO for a net_pcap port with a feeder that keeps
    the port busy with filler frames (an experimental ethertype) until go()."""
    live.bed.build()
    live.bed.write_manifests()
    fifo = live.bed.work / "inject.pcap"
    os.mkfifo(fifo)
    filler = fr.ether(fr.mac("02:bd:00:00:00:ff"), fr.mac("02:bd:00:00:00:fe"),
                      fr.ETH_EXPERIMENTAL, b"filler".ljust(46, b"\0"))
    feeder = PcapFeeder(fifo, filler)
    feeder.start()
    return fifo, feeder


def case_pcap(args) -> int:
    scenario = Scenario(DATA)
    live = Live(args, scenario, "bad-packets-pcap")
    live.log_path = live.log_path.with_name("bad-packets-pcap.log")

    def body(live: Live) -> int:
        fifo, feeder = build_with_pcap_feeder(live)
        p = Pods(live.bed, fake_source=True)
        cases = (pcap_only_cases(p) + fragment_cases(p, v6=False) + fragment_cases(p, v6=True)
                 + common_cases(p))
        web = Wire(live.bed.attachment("edge/web").ns, "eth0")
        try:
            live.start(live.bed.manifest_dir, vdevs=[f"net_pcap0,rx_pcap={fifo}"])
            web.drain()
            feeder.go([f for c in cases for f in c.frames])
            if not feeder.done.wait(30) or feeder.error:
                print(f"  MISMATCH: the pcap was not read to its end ({feeder.error or 'stuck'})")
                return 1
            after = settle(live)
            captured = web.drain()
        finally:
            feeder.stop()
            web.close()
        print(f"\n== bad packets from a pcap: {sum(len(c.frames) for c in cases)} frames in "
              f"{len(cases)} cases after {feeder.fillers} filler frames (ethertype 0x88b5), "
              f"net_pcap0 beside {len(live.bed.ports())} AF_PACKET ports")
        failures = 0
        prefix = live.run.dpdk_prefix
        ports = [telemetry(prefix, f"/podwall/port,{n}")
                 for n in telemetry(prefix, "/podwall/ports")]
        pcap_port = next(pt for pt in ports if pt["driver"] == "net_pcap")
        # Every filler is dropped once: as tables_not_ready if read before generation 1, else
        # as unknown_ethertype. The pods' own first frames (MLD reports, ARP) can come before
        # generation 1 too, so the fillers read early are counted on the pcap's own port.
        early = pcap_port.get("drop_tables_not_ready", 0)
        failures += check(cases, after, captured,
                          adjust={"drop_tables_not_ready": after.get("drop_tables_not_ready", 0),
                                  "drop_unknown_ethertype": feeder.fillers - early})
        read = pcap_port["rx_packets"]
        ok = read == feeder.records
        failures += not ok
        print(f"\n  net_pcap0 read {read} of the {feeder.records} frames written  "
              f"{'OK' if ok else 'MISMATCH'}")
        failures += check_port_drops(pcap_port, cases, feeder.fillers)
        failures += check_podwallctl_stats(live, after, cases, feeder.records)
        failures += alive(live)
        failures += check_flows(live, "after the pcap: the policy still holds")
        return failures

    body.live = live
    return run_case(args, "bad-packets pcap", body)


# -- the namespace case -----------------------------------------------------------------------

def case_netns(args) -> int:
    scenario = Scenario(DATA)
    live = Live(args, scenario, "bad-packets-netns")
    live.log_path = live.log_path.with_name("bad-packets-netns.log")

    def body(live: Live) -> int:
        live.bed.build()
        live.bed.write_manifests()
        live.start(live.bed.manifest_dir)
        failures = check_flows(live, "before the bad packets")
        p = Pods(live.bed, fake_source=False)
        cases = kernel_reassembly_cases(p) + fragment_cases(p, v6=True) + common_cases(p)
        wires = {k: Wire(p.att[k].ns, p.att[k].pod_if) for k in ("client", "rogue", "web")}
        try:
            time.sleep(1.0)  # the probes' last packets
            before = settle(live)
            wires["web"].drain()
            for c in cases:
                for f in c.frames:
                    wires[c.sender].send(f)
            after = settle(live)
            captured = wires["web"].drain()
        finally:
            for w in wires.values():
                w.close()
        print(f"\n== bad packets from the pods' own wires: {sum(len(c.frames) for c in cases)} "
              f"frames in {len(cases)} cases (raw AF_PACKET on eth0 of edge/rogue and "
              f"edge/client), captured on edge/web")
        failures += check(cases, deltas(before, after), captured)
        failures += alive(live)
        failures += check_flows(live, "after the bad packets: the policy still holds")
        return failures

    body.live = live
    return run_case(args, "bad-packets netns", body)


# -- the flow log under a flood of denied connections --------------------------------------

def case_event_flood(args) -> int:
    scenario = Scenario(DATA)
    live = Live(args, scenario, "bad-packets-event-flood")
    live.log_path = live.log_path.with_name("bad-packets-event-flood.log")
    log_path = live.log_path.with_name("bad-packets-event-flood.flows.jsonl")

    def body(live: Live) -> int:
        fifo, feeder = build_with_pcap_feeder(live)
        p = Pods(live.bed, fake_source=True)
        # Distinct source ports: each SYN is a new connection, denied, and one event.
        flood = [p.v4_to_web("rogue", fr.TCP, p.tcp4("rogue", 80, fr.SYN, sport=10000 + i))
                 for i in range(EVENT_FLOOD)]
        try:
            live.start(live.bed.manifest_dir, vdevs=[f"net_pcap0,rx_pcap={fifo}"],
                       flow_log=log_path)
            before = settle(live)
            feeder.go(flood, at_once=True)
            if not feeder.done.wait(60) or feeder.error:
                print(f"  MISMATCH: the pcap was not read to its end ({feeder.error or 'stuck'})")
                return 1
            after = settle(live)
            # The log reports a second's suppressed and lost events once that second is over.
            time.sleep(1.5)
        finally:
            feeder.stop()
        events = flow_log.read(log_path)
        moved = deltas(before, after)
        reported, lost = moved.get("flow_events", 0), moved.get("flow_events_lost", 0)
        lines = sum(1 for e in events if e.get("event") == "denied"
                    and e.get("src") == p.v4["rogue"] and e.get("dport") == 80)
        print(f"\n== a flood of {EVENT_FLOOD} denied SYNs rogue -> web tcp/80 from a pcap, "
              f"with --flow-log {log_path}")
        print(ROW.format("what", "counter", "expected", "observed", "result"))
        checks = [
            ("every SYN denied", "drop_policy_denied", EVENT_FLOOD,
             moved.get("drop_policy_denied", 0)),
            ("every denial reported or lost", "flow_events+flow_events_lost", EVENT_FLOOD,
             reported + lost),
            ("faster than the control thread drains: some lost", "flow_events_lost", ">0", lost),
            ("the log's lost lines add up to them", "lost lines", lost,
             flow_log.counted(events, "lost")),
            ("the rest are lines or suppressed", "denied lines+suppressed", reported,
             lines + flow_log.counted(events, "suppressed")),
        ]
        failures = 0
        for what, counter, expected, observed in checks:
            ok = observed > 0 if expected == ">0" else observed == expected
            failures += not ok
            print(ROW.format(what, counter, str(expected), str(observed),
                             "OK" if ok else "MISMATCH"))
        failures += alive(live)
        failures += check_flows(live, "after the flood: the policy still holds")
        return failures

    body.live = live
    return run_case(args, "bad-packets event-flood", body)


def check_flow_listing(live: Live, p: Pods, entries: int) -> int:
    """podwallctl flows on the full table: every entry listed (client -> web tcp/80, none other),
    the held connection established among them, the address and pod filters honoured."""
    client, web, rogue = p.v4["client"], p.v4["web"], p.v4["rogue"]
    sock = live.dp.ctl_socket
    reply = fabric.ctl_request(sock, {"cmd": "flows", "limit": 3000})
    flows = reply.get("flows", [])
    ends = {(f["proto"], f["src"], f["dst"], f.get("dport")) for f in flows}
    states = [f["state"] for f in flows]
    held = [f for f in flows if f["state"] == "established"]
    cli = subprocess.run([str(live.args.podwallctl), "flows", "--address", client, "--socket",
                          str(sock)], capture_output=True, text=True, timeout=30)
    footer = cli.stdout.strip().splitlines()[-1] if cli.stdout.strip() else cli.stderr.strip()
    checks = [
        ("podwallctl flows: every tracked connection listed", "tracked / listed",
         f"{entries}/{entries}", f"{reply.get('tracked')}/{len(flows)}"),
        ("... each client -> web tcp/80, opened by the client", "distinct ends",
         str([("tcp", client, web, 80)]), str(sorted(ends))),
        ("... the held connection among them, established", "established", 1, len(held)),
        ("... with pod names and a generation", "src_pod/dst_pod/generation",
         "edge/client/edge/web/1", "/".join({f"{f.get('src_pod')}/{f.get('dst_pod')}/"
                                             f"{f.get('generation')}" for f in flows})),
        ("--address web matches them all, --address rogue none", "matching",
         f"{entries}/0",
         f"{fabric.ctl_request(sock, {'cmd': 'flows', 'address': web}).get('matching')}/"
         f"{fabric.ctl_request(sock, {'cmd': 'flows', 'address': rogue}).get('matching')}"),
        ("--pod edge/web matches them all, --pod edge/rogue none", "matching",
         f"{entries}/0",
         f"{fabric.ctl_request(sock, {'cmd': 'flows', 'pod': 'edge/web'}).get('matching')}/"
         f"{fabric.ctl_request(sock, {'cmd': 'flows', 'pod': 'edge/rogue'}).get('matching')}"),
        ("podwallctl flows --address CLIENT as a user runs it", "exit / footer",
         f"0/{min(100, entries)} of {entries} connection(s)", f"{cli.returncode}/{footer}"),
    ]
    failures = 0
    for what, counter, expected, observed in checks:
        ok = str(expected) == str(observed)
        failures += not ok
        print(ROW.format(what, counter, str(expected)[:8], str(observed)[:8],
                         "OK" if ok else f"MISMATCH (expected {expected}, got {observed})"))
    if failures:
        print(f"  states: {sorted(set(states))}")
    return failures


# -- the SYN flood ----------------------------------------------------------------------------

def case_syn_flood(args) -> int:
    scenario = Scenario(DATA)
    live = Live(args, scenario, "bad-packets-syn-flood")
    live.log_path = live.log_path.with_name("bad-packets-syn-flood.log")

    def body(live: Live) -> int:
        live.bed.build()
        live.bed.write_manifests()
        live.start(live.bed.manifest_dir, extra=["--conntrack-capacity", str(FLOOD_CAPACITY)])
        p = Pods(live.bed, fake_source=False)
        client, web = p.v4["client"], p.v4["web"]
        failures = 0
        held = live.bed.hold("edge/client", client, web, 80)
        rows = [("held connection client -> web tcp/80 opens", "allow",
                 held.opened.get("observed", "error"))]
        first = settle(live)
        capacity = first["conntrack_capacity"]
        n = 3 * capacity
        sports = list(range(20000, 20000 + n))
        frames = [p.eth("client", fr.ETH_IPV4, fr.ipv4(client, web, fr.TCP, fr.tcp(
            client, web, s, 80, fr.SYN, seq=s * 7919))) for s in sports]
        wires = {k: Wire(p.att[k].ns, p.att[k].pod_if) for k in ("client", "web")}
        try:
            wires["web"].drain()
            started = time.monotonic()
            for f in frames:
                wires["client"].send(f)
            sent_seconds = time.monotonic() - started
            after = settle(live)
            captured = wires["web"].drain()
        finally:
            for w in wires.values():
                w.close()
        moved = deltas(first, after)
        arrived = set()
        for f in captured:
            u = untagged(f)
            if len(u) >= 54 and u[12:14] == b"\x08\x00" and u[23] == fr.TCP and u[47] == fr.SYN:
                sport = int.from_bytes(u[34:36], "big")
                if sport in sports:
                    arrived.add(sport)
        refused = moved.get("drop_conntrack_full", 0)
        opened = moved.get("flows_allowed", 0)
        print(f"\n== SYN flood: {n} allowed SYNs client -> web tcp/80 (distinct source ports) in "
              f"{sent_seconds * 1000:.0f} ms, --conntrack-capacity {FLOOD_CAPACITY} (capacity "
              f"{capacity}, {first['conntrack_entries']} entries before)")
        print(ROW.format("what", "counter", "expected", "observed", "result"))
        checks = [
            ("every flood SYN opened a flow or was refused", "flows_allowed+conntrack_full",
             n, opened + refused),
            ("the table ends full", "conntrack_entries", capacity, after["conntrack_entries"]),
            ("refused SYNs: at least those beyond the capacity", "drop_conntrack_full",
             f">={n - capacity}", refused),
            ("SYNs that reached web = flows opened (none refused got out)", "capture on web",
             opened, len(arrived)),
        ]
        for what, counter, exp, got in checks:
            ok = got >= int(exp[2:]) if isinstance(exp, str) else got == exp
            failures += not ok
            print(ROW.format(what, counter, exp, got, "OK" if ok else "MISMATCH"))
        others = {k: v for k, v in moved.items()
                  if k.startswith("drop_") and v and k not in ("drop_conntrack_full",)}
        # The client's kernel answers web's SYN-ACKs with resets: those ride on the flood's
        # own entries. Any other drop is a surprise.
        ok = not others
        failures += not ok
        print(ROW.format("no other drop reason moved", "drop_*", 0, sum(others.values()),
                         "OK" if ok else f"MISMATCH {others}"))
        failures += check_flow_listing(live, p, after["conntrack_entries"])
        failures += alive(live)

        rows.append(("held connection echoes after the flood", "allow",
                     held.echo().get("observed", "error")))
        full_before = stats(live)["drop_conntrack_full"]
        got = live.bed.probe_raw("edge/client", client, web, "tcp", 80, args.timeout)
        refused_new = stats(live)["drop_conntrack_full"] - full_before
        rows.append(("new connection client -> web tcp/80 while the table is full", "deny",
                     got["observed"]))
        rows.append(("... its SYNs counted as conntrack_full", "counted",
                     "counted" if refused_new > 0 else "not counted"))
        # The flood's entries are closed (the client reset them) or half-open: they expire
        # (10 s, 30 s) and the sweep reclaims them; then connections are admitted again.
        deadline = time.monotonic() + 45
        while True:
            got = live.bed.probe_raw("edge/client", client, web, "tcp", 80, args.timeout)
            if got["observed"] == "allow" or time.monotonic() > deadline:
                break
            time.sleep(1.0)
        rows.append(("new connection once the flood's entries expired", "allow",
                     got["observed"]))
        rows.append(("held connection still echoes", "allow", held.echo().get("observed",
                                                                             "error")))
        held.close()
        print()
        print(ROW.format("connections", "", "expected", "observed", "result"))
        for what, exp, got in rows:
            ok = exp == got
            failures += not ok
            print(ROW.format(what, "", exp, got, "OK" if ok else "MISMATCH"))
        failures += alive(live)
        failures += check_flows(live, "after the flood: the policy still holds")
        return failures

    body.live = live
    return run_case(args, "bad-packets syn-flood", body)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=("pcap", "netns", "event-flood", "syn-flood"))
    ap.add_argument("--podwall", type=Path, default=ROOT / "build/control/daemon/podwall")
    ap.add_argument("--podwallctl", type=Path, default=ROOT / "build/control/cli/podwallctl")
    ap.add_argument("--timeout", type=float, default=1.5)
    ap.add_argument("--workers", type=int, choices=(1, 2, 3), default=1,
                    help="poll-mode workers; beyond one they share CPU 1")
    ap.add_argument("--log-dir", type=Path)
    args = ap.parse_args()

    def case() -> int:
        require(args)
        names.clean_stale(log=lambda m: print(m, flush=True))
        return {"pcap": case_pcap, "netns": case_netns, "event-flood": case_event_flood,
                "syn-flood": case_syn_flood}[args.case](args)

    return run_main(case)

if __name__ == "__main__":
    sys.exit(main())
