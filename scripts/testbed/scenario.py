"""A lab scenario folder read for the live testbed: its pods, the extra hosts its flows need,
the ports each of them must serve, and the flows with every reference resolved to an address.

A folder holds namespaces.yaml, pods.yaml, policies.yaml (optional) and flows.tsv, in the format
config/lab/README.md describes. Every address must lie in the benchmarking ranges the testbed
may use (198.18.0.0/15, 2001:2::/48); anything else is refused before a namespace exists.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ALLOWED_V4 = ipaddress.ip_network("198.18.0.0/15")
ALLOWED_V6 = ipaddress.ip_network("2001:2::/48")
PROTOCOLS = ("tcp", "udp", "sctp", "icmp")


class ScenarioError(Exception):
    pass


def check_address(text: str, where: str) -> str:
    """Returns the address in canonical form, or raises if the testbed may not use it."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        raise ScenarioError(f"{where}: '{text}' is not an address") from None
    allowed = ALLOWED_V4 if addr.version == 4 else ALLOWED_V6
    if addr not in allowed:
        raise ScenarioError(f"{where}: {addr} is outside {allowed}: the testbed never uses it")
    return str(addr)


@dataclass
class Endpoint:
    """One network namespace of the testbed: a pod, or a host outside the cluster."""
    key: str                      # "ns/pod" for a pod, the address for a host
    kind: str                     # "pod" or "host"
    addresses: list[str]          # first IPv4 (if any) first; the pod's order otherwise
    listen: set[tuple[str, int]] = field(default_factory=set)  # (proto, port) to serve
    manifest: dict | None = None  # the Pod object, for pods

    @property
    def label(self) -> str:
        return self.key


@dataclass
class Flow:
    line: int
    src: str          # as written in flows.tsv
    dst: str
    proto: str
    port: int
    expected: str     # allow | deny
    reason: str
    src_ip: str | None = None
    dst_ip: str | None = None
    src_ep: Endpoint | None = None
    dst_ep: Endpoint | None = None
    skip: str | None = None  # why this flow cannot run live, if it cannot

    @property
    def text(self) -> str:
        port = "" if self.proto == "icmp" else f"/{self.port}"
        return f"{self.src} -> {self.dst} {self.proto}{port}"


def _load_docs(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as f:
        return [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]


def _pod_addresses(pod: dict, where: str) -> list[str]:
    status = pod.get("status") or {}
    found: list[str] = []
    for entry in status.get("podIPs") or []:
        ip = entry.get("ip") if isinstance(entry, dict) else None
        if ip:
            found.append(check_address(str(ip), where))
    if status.get("podIP"):
        first = check_address(str(status["podIP"]), where)
        if first not in found:
            found.insert(0, first)
        elif found[0] != first:
            found.remove(first)
            found.insert(0, first)
    return found


def _container_ports(pod: dict) -> set[tuple[str, int]]:
    ports = set()
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if "containerPort" in p:
                ports.add((str(p.get("protocol", "TCP")).lower(), int(p["containerPort"])))
    return ports


class Scenario:
    def __init__(self, path: Path):
        self.path = Path(path).resolve()
        self.name = self.path.name
        if not (self.path / "flows.tsv").exists():
            raise ScenarioError(f"{self.path}: no flows.tsv")
        self.pods: dict[str, Endpoint] = {}
        self.hosts: dict[str, Endpoint] = {}
        self._by_address: dict[str, Endpoint] = {}
        self._read_pods()
        self.flows = self._read_flows()

    # -- the cluster ----------------------------------------------------------------------
    def _read_pods(self) -> None:
        for doc in _load_docs(self.path / "pods.yaml"):
            if doc.get("kind") != "Pod":
                continue
            meta = doc.get("metadata") or {}
            key = f"{meta.get('namespace', 'default')}/{meta.get('name')}"
            addresses = _pod_addresses(doc, f"{self.name}/pods.yaml {key}")
            ep = Endpoint(key, "pod", addresses, _container_ports(doc), doc)
            self.pods[key] = ep
            for a in addresses:
                self._by_address[a] = ep

    def manifest_files(self) -> list[Path]:
        """The scenario's files other than pods and flows, copied verbatim into the watched
        directory (so the daemon's diagnostics point at the same lines)."""
        skip = {"pods.yaml"}
        return sorted(p for p in self.path.iterdir()
                      if p.suffix in (".yaml", ".yml") and p.name not in skip)

    # -- the flows ------------------------------------------------------------------------
    def _resolve(self, ref: str, where: str) -> tuple[str | None, Endpoint | None, str | None]:
        """(address, endpoint, reason it cannot run) for a flows.tsv reference."""
        if "/" in ref:
            want_v6 = ref.endswith("@v6")
            key = ref[:-3] if want_v6 else ref
            ep = self.pods.get(key)
            if ep is None:
                raise ScenarioError(f"{where}: no pod {key}")
            family = [a for a in ep.addresses if (":" in a) == want_v6] if want_v6 else ep.addresses
            if not family:
                return None, ep, f"{key} has no {'IPv6 ' if want_v6 else ''}address"
            return family[0], ep, None
        addr = check_address(ref, where)
        ep = self._by_address.get(addr)
        if ep is None:
            ep = Endpoint(addr, "host", [addr])
            self.hosts[addr] = ep
            self._by_address[addr] = ep
        return addr, ep, None

    def read_flows(self, path: Path) -> list[Flow]:
        """Another flow table over the same cluster (e.g. the verdicts after a change)."""
        return self._read_flows(Path(path))

    def _read_flows(self, path: Path | None = None) -> list[Flow]:
        flows = []
        path = path or self.path / "flows.tsv"
        text = path.read_text()
        for n, raw in enumerate(text.splitlines(), 1):
            body, _, reason = raw.partition("#")
            fields = body.split()
            if not fields:
                continue
            where = f"{self.name}/{path.name}:{n}"
            if len(fields) != 5:
                raise ScenarioError(f"{where}: expected SRC DST PROTO PORT VERDICT")
            src, dst, proto, port, verdict = fields
            if proto not in PROTOCOLS or verdict not in ("allow", "deny"):
                raise ScenarioError(f"{where}: bad protocol or verdict")
            f = Flow(n, src, dst, proto, int(port), verdict, reason.strip())
            f.src_ip, f.src_ep, why_src = self._resolve(src, where)
            f.dst_ip, f.dst_ep, why_dst = self._resolve(dst, where)
            f.skip = why_src or why_dst
            if not f.skip and (":" in f.src_ip) != (":" in f.dst_ip):
                f.skip = "source and destination are of different IP versions"
            if not f.skip and f.src_ep is f.dst_ep:
                f.skip = "source and destination are the same namespace (never on the wire)"
            if not f.skip and proto != "icmp":
                f.dst_ep.listen.add((proto, f.port))
            flows.append(f)
        return flows

    # -- what the testbed builds ----------------------------------------------------------
    def endpoints(self) -> list[Endpoint]:
        """Pods that have an address, then hosts, in a stable order."""
        pods = [ep for ep in self.pods.values() if ep.addresses]
        return pods + sorted(self.hosts.values(), key=lambda e: (":" in e.key, ipaddress.ip_address(e.key)))

    def uses(self, proto: str) -> bool:
        return any(f.proto == proto and not f.skip for f in self.flows)
