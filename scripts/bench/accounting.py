"""What an exact firewall must have forwarded, given how many frames it read.

net_pcap with infinite_rx replays the file in order, so the i-th frame podwall reads is frame
i mod T of the file. podwall drops everything it reads before its first generation is live
(`drop_tables_not_ready`: the first K frames), so a flow is usable from its first SYN read at
position >= K. From K and the number of frames read, the expected forwarded count and the
denied frames read are exact; comparing them with podwall's exit counters shows whether any
frame of a denied flow got out (denied_delivered) or any allowed frame was lost.
"""

import pcapgen


def _count_in(offset: int, period: int, lo: int, hi: int) -> int:
    """Positions offset + k*period (k >= 0) in [lo, hi)."""
    if hi <= lo:
        return 0

    def upto(x):  # positions < x
        return 0 if x <= offset else (x - offset - 1) // period + 1

    return upto(hi) - upto(lo)


def expectations(flows, acks_per_flow: int, not_ready: int, read: int):
    """For the frames [not_ready, read) of the replay: expected_tx (frames an exact firewall
    forwards), denied_read and denied_syn_read (frames of denied flows: SYNs meet the policy,
    `drop_policy_denied`; ACKs find no flow, `drop_no_flow`) and allowed_early_acks (ACKs of
    allowed flows read before their first usable SYN: `drop_no_flow` too)."""
    n = len(flows)
    period = n * (1 + acks_per_flow)
    expected_tx = denied_read = denied_syn = early_acks = 0
    for i, f in enumerate(flows):
        offsets = [i] + [n * (1 + r) + i for r in range(acks_per_flow)]
        if f.allowed:
            # First SYN at or after K: from there every frame of the flow passes.
            first = i if not_ready <= i else i + -(-(not_ready - i) // period) * period
            expected_tx += sum(_count_in(o, period, first, read) for o in offsets)
            early_acks += sum(_count_in(o, period, not_ready, min(first, read)) for o in offsets[1:])
        else:
            denied_syn += _count_in(i, period, not_ready, read)
            denied_read += sum(_count_in(o, period, not_ready, read) for o in offsets)
    return {"expected_tx": expected_tx, "denied_read": denied_read, "denied_syn_read": denied_syn,
            "allowed_early_acks": early_acks}


def check_counters(flows, acks_per_flow: int, c: dict):
    """denied_delivered, allowed_lost and a list of counter mismatches from podwall's exit
    counters `c` (port 0 = pcap, port 1 = null)."""
    e = expectations(flows, acks_per_flow, c["drop_tables_not_ready"], c["port_0_rx"])
    tx = c["port_1_tx"]
    problems = []
    if c["drop_policy_denied"] != e["denied_syn_read"]:
        problems.append(f"drop_policy_denied={c['drop_policy_denied']} "
                        f"expected {e['denied_syn_read']}")
    want_no_flow = e["denied_read"] - e["denied_syn_read"] + e["allowed_early_acks"]
    if c["drop_no_flow"] != want_no_flow:
        problems.append(f"drop_no_flow={c['drop_no_flow']} expected {want_no_flow}")
    return max(0, tx - e["expected_tx"]), max(0, e["expected_tx"] - tx), problems


def denied_in_capture(capture: str, flows) -> int:
    """Frames of denied flows found in a capture of what podwall sent."""
    denied = {f.key() for f in flows if not f.allowed}
    return sum(1 for t in pcapgen.read_pcap_tuples(capture) if t in denied)


__all__ = ["expectations", "denied_in_capture", "pcapgen"]
