"""What every live test script shares: the skip status, clean interruption, a main that
turns both into exit codes meson understands (0 passed, 1 failed, 77 skipped), and the
daemon's cores and final counters."""
from __future__ import annotations

import signal
from typing import Callable

from lab import final_counters  # noqa: F401 - the daemon's counters, shared with the lab

SKIP = 77


class Skip(Exception):
    """The test cannot run here (not root, a tool or binary missing): meson reports it skipped."""


class Interrupted(BaseException):
    """A signal arrived: unwind through every finally, so the testbed is torn down."""


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


def run_main(case: Callable[[], int]) -> int:
    """Runs `case` with SIGINT/SIGTERM/SIGHUP turned into Interrupted; returns its exit code."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    try:
        return case()
    except Skip as e:
        print(f"SKIP: {e}", flush=True)
        return SKIP
    except (KeyboardInterrupt, Interrupted) as e:
        print(f"interrupted ({e or 'Ctrl-C'}); cleaned up", flush=True)
        return 1


def lcores(workers: int) -> str:
    """EAL --lcores for `workers` workers: control on CPU 0, one worker on CPU 1, and more
    workers time-sharing CPU 1 (a poll-mode worker takes a whole core; CPU 0 is the traffic's)."""
    return ",".join(["0", "1"] + [f"{w + 1}@1" for w in range(1, workers)])


def check_worker_handoff(log: str, workers: int) -> int:
    """With several workers: frames crossed between them (to the worker owning their flow, and
    to the one owning a tx queue) and none was dropped for a full ring. Returns the failures."""
    if workers == 1:
        return 0
    counters = final_counters(log)
    if not counters:
        print("  MISMATCH: no final counters in the daemon's log")
        return 1
    checks = [("handed_off", counters.get("handed_off", 0) > 0, "> 0"),
              ("handed_off_tx", counters.get("handed_off_tx", 0) > 0, "> 0"),
              ("drop_handoff_full", counters.get("drop_handoff_full", -1) == 0, "0")]
    failures = 0
    for name, ok, want in checks:
        print(f"  daemon counter {name}={counters.get(name, '?')}: "
              f"{'OK' if ok else 'MISMATCH'} ({want} expected, {workers} workers)")
        failures += not ok
    return failures
