"""Thin wrappers over ip(8), ethtool(8) and sysctl for the testbed's namespaces and links.

Every command has a time limit; a failing command raises NetError with its stderr.
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

COMMAND_SECONDS = 30
OFFLOADS = ["tx", "off", "rx", "off", "tso", "off", "gso", "off", "gro", "off"]


class NetError(Exception):
    pass


def run(cmd: list[str], check: bool = True, timeout: float = COMMAND_SECONDS) -> str:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise NetError(f"{' '.join(cmd)}: no answer in {timeout}s") from None
    if check and r.returncode != 0:
        raise NetError(f"{' '.join(cmd)}: {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout


def in_ns(ns: str | None, cmd: list[str]) -> list[str]:
    return ["ip", "netns", "exec", ns] + cmd if ns else cmd


def ip(ns: str | None, *args: str, check: bool = True) -> str:
    return run(["ip"] + (["-n", ns] if ns else []) + list(args), check=check)


def add_netns(name: str, ipv6: bool) -> None:
    ip(None, "netns", "add", name)
    # IPv6 only where the endpoint has an IPv6 address, and then without link-local
    # addresses, router solicitations or DAD: nothing is sent that the test did not ask for.
    settings = ["net.ipv6.conf.all.disable_ipv6=%d" % (not ipv6),
                "net.ipv6.conf.default.disable_ipv6=%d" % (not ipv6)]
    if ipv6:
        settings += ["net.ipv6.conf.default.addr_gen_mode=1",
                     "net.ipv6.conf.default.accept_ra=0",
                     "net.ipv6.conf.default.router_solicitations=0",
                     "net.ipv6.conf.default.accept_dad=0"]
    run(in_ns(name, ["sysctl", "-q", "-w"] + settings))
    ip(name, "link", "set", "lo", "up")


def del_netns(name: str) -> None:
    ip(None, "netns", "del", name, check=False)


def link_exists(ns: str | None, dev: str) -> bool:
    return subprocess.run(["ip"] + (["-n", ns] if ns else []) + ["link", "show", "dev", dev],
                          capture_output=True).returncode == 0


def del_link(ns: str | None, dev: str) -> None:
    if link_exists(ns, dev):
        ip(ns, "link", "del", dev, check=False)


def offloads_off(ns: str | None, dev: str) -> None:
    # Some drivers refuse one feature or another (TAP has no rx checksum switch): take what
    # the device allows, but insist on the segmentation offloads.
    r = subprocess.run(in_ns(ns, ["ethtool", "-K", dev] + OFFLOADS), capture_output=True,
                       text=True, timeout=COMMAND_SECONDS)
    if r.returncode != 0:
        features = run(in_ns(ns, ["ethtool", "-k", dev]))
        for feature in ("tcp-segmentation-offload", "generic-segmentation-offload",
                        "generic-receive-offload"):
            for line in features.splitlines():
                if line.startswith(feature + ":") and " on" in line and "[fixed]" not in line:
                    raise NetError(f"cannot turn {feature} off on {dev}: {r.stderr.strip()}")


def set_addresses(ns: str, dev: str, addresses: list[str]) -> None:
    """Each address with the whole benchmarking range on-link, so .0/.255 of a /24 are
    ordinary hosts and every testbed address is one ARP/ND away."""
    for a in addresses:
        if ":" in a:
            ip(ns, "-6", "addr", "add", f"{a}/48", "dev", dev, "nodad")
        else:
            ip(ns, "addr", "add", f"{a}/15", "dev", dev)


def operstate(ns: str | None, dev: str) -> str:
    out = ip(ns, "-j", "link", "show", "dev", dev, check=False)
    try:
        return json.loads(out)[0].get("operstate", "?")
    except (ValueError, IndexError):
        return "missing"


def wait_up(ns: str | None, dev: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    state = "?"
    while time.monotonic() < deadline:
        state = operstate(ns, dev)
        # TAP reports UNKNOWN once its file descriptor is attached and it is up.
        if state in ("UP", "UNKNOWN"):
            return
        time.sleep(0.05)
    raise NetError(f"{dev}{' in ' + ns if ns else ''} not up after {seconds}s (state {state})")


def wait_exists(ns: str | None, dev: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if link_exists(ns, dev):
            return
        time.sleep(0.1)
    raise NetError(f"{dev} did not appear within {seconds}s")


def sysfs_exists(dev: str) -> bool:
    return Path(f"/sys/class/net/{dev}").exists()
