"""Reads podwall's flow log (--flow-log FILE --flow-log-allowed, one JSON object per line) and
holds it against the flows a scenario tried: every connection that was denied must be in the log
as denied and every one that went through as allowed, each named as it was opened and explained,
and none as the other.
"""
from __future__ import annotations

import ipaddress
import json
from datetime import datetime, timezone
from pathlib import Path


def read(path: Path) -> list[dict]:
    """The log's events; a line that is not a JSON object is an error worth failing on."""
    events = []
    if not path.exists():
        return events
    for number, line in enumerate(path.read_text().splitlines(), 1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{number}: not JSON: {e}") from None
        if not isinstance(event, dict):
            raise ValueError(f"{path}:{number}: not a JSON object")
        events.append(event)
    return events


def _proto(proto: str, dst_ip: str) -> str:
    if proto == "icmp" and ipaddress.ip_address(dst_ip).version == 6:
        return "icmpv6"
    return proto


def _echo_request(dst_ip: str) -> tuple[int, int]:
    return (128, 0) if ipaddress.ip_address(dst_ip).version == 6 else (8, 0)


def _icmp_message(event: dict) -> tuple:
    return (event.get("icmp_type"), event.get("icmp_code"))


def connection(src_ip: str, dst_ip: str, proto: str, port: int) -> tuple:
    """A connection as the log names it: addresses normalised, no port for ICMP."""
    return (ipaddress.ip_address(src_ip), ipaddress.ip_address(dst_ip), _proto(proto, dst_ip),
            None if proto == "icmp" else int(port))


def logged(events: list[dict], kind: str) -> dict[tuple, dict]:
    """The first event of `kind` (denied, revoked) for each connection in the log."""
    out = {}
    for e in events:
        if e.get("event") != kind:
            continue
        key = (ipaddress.ip_address(e["src"]), ipaddress.ip_address(e["dst"]), e["proto"],
               e.get("dport"))
        out.setdefault(key, e)
    return out


def check_times(events: list[dict], started: float, ended: float, slack: float = 5.0) -> list[str]:
    """Every line's time (the worker's clock, turned into Unix time by the daemon) falls within
    the run, give or take `slack` seconds: Unix times from time.time()."""
    problems = []
    for e in events:
        try:
            t = datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        except (KeyError, ValueError):
            problems.append(f"a line without a readable time: {e}")
            continue
        if not started - slack <= t.timestamp() <= ended + slack:
            problems.append(f"{e['time']} is outside the run ({e})")
    return problems[:3]


def counted(events: list[dict], kind: str) -> int:
    """The events a log's summary lines of `kind` (suppressed, lost) account for."""
    return sum(int(e.get("count", 0)) for e in events if e.get("event") == kind)


def check_counts(events: list[dict], counters: dict[str, int]) -> list[str]:
    """The daemon's own count of the events its workers reported (final counters) against the
    log: every one reached it, as a line or as part of a suppressed count; none was lost (the
    lab's few hundred attempts never fill a queue), and the log's lost lines say so too."""
    if "flow_events" not in counters:
        return ["the daemon printed no flow_events counter"]
    problems = []
    lost = counters.get("flow_events_lost", 0)
    if lost:
        problems.append(f"{lost} event(s) lost on the way to the log")
    if counted(events, "lost") != lost:
        problems.append(f"the workers lost {lost} event(s), the log's lost lines say "
                        f"{counted(events, 'lost')}")
    lines = sum(1 for e in events if e.get("event") in ("denied", "revoked", "allowed"))
    suppressed = counted(events, "suppressed")
    if lines + suppressed != counters["flow_events"]:
        problems.append(f"the workers reported {counters['flow_events']} event(s), the log holds "
                        f"{lines} line(s) and {suppressed} suppressed")
    return problems


def check_rows(events: list[dict], rows,
               ports_by_address: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """Holds the log against a scenario's probed rows (lab.Row): a summary line and problems.
    With `ports_by_address` (pod address -> the interface its DPDK port sits on), each line
    must also name the interface the connection's first packet came in by: the source's."""
    by_kind = {"deny": logged(events, "denied"), "allow": logged(events, "allowed")}
    ports = {ipaddress.ip_address(a): dev for a, dev in (ports_by_address or {}).items()}
    problems = []
    found = {"deny": 0, "allow": 0}
    example = None
    for row in rows:
        f = row.flow
        if f.skip or row.observed not in ("allow", "deny") or not f.src_ip or not f.dst_ip:
            continue
        key = connection(f.src_ip, f.dst_ip, f.proto, f.port)
        verdict, other = row.observed, "allow" if row.observed == "deny" else "deny"
        event = by_kind[verdict].get(key)
        if row.expected == verdict:
            if event is None:
                problems.append(f"{f.text}: {verdict}, but not in the flow log as such")
            elif not event.get("explanation"):
                problems.append(f"{f.text}: in the flow log without an explanation")
            elif f.proto == "icmp" and _icmp_message(event) != _echo_request(f.dst_ip):
                problems.append(f"{f.text}: a ping, logged as ICMP type/code "
                                f"{_icmp_message(event)} instead of {_echo_request(f.dst_ip)}")
            elif ports and event.get("iface") != ports.get(key[0]):
                problems.append(f"{f.text}: logged as arriving on {event.get('iface')!r}, not on "
                                f"{ports.get(key[0])!r}, the source's port")
            else:
                found[verdict] += 1
                if verdict == "deny":
                    example = example or event
        if key in by_kind[other]:
            problems.append(f"{f.text}: observed {verdict}, yet the flow log says "
                            f"{other} ({by_kind[other][key].get('explanation', '')})")
    suppressed = counted(events, "suppressed")
    summary = (f"flow log: {len(events)} line(s); {found['deny']} denied and {found['allow']} "
               f"allowed flow(s) found in it as such")
    if suppressed:
        summary += f", {suppressed} event(s) suppressed by the rate limit"
    if example:
        port = f"/{example['dport']}" if "dport" in example else ""
        summary += (f"\n  e.g. {example.get('src_pod')} -> {example.get('dst_pod')} "
                    f"{example['proto']}{port}: {example['explanation']}")
    return summary, problems
