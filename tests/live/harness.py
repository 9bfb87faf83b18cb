"""What every live test script shares: the skip status, clean interruption, and a main that
turns both into exit codes meson understands (0 passed, 1 failed, 77 skipped)."""
from __future__ import annotations

import signal
from typing import Callable

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
