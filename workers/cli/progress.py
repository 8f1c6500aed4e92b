"""Progress of long CLI work on stderr: documents done, docs/s and (when the total is known) an ETA.

Called once per batch; prints at most once per `interval` seconds, so a fast rules-only run writes
a handful of lines and a slow LLM run still says something after every batch that took long.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

# Module-level so tests can drive the clock.
_clock = time.monotonic


def _duration(s: float) -> str:
    s = max(0, round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class Progress:
    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        interval: float = 1.5,
        enabled: bool = True,
    ):
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.enabled = enabled
        self.t0 = _clock()
        self.last = self.t0
        self.lines = 0

    def line(self, done: int, now: float) -> str:
        dt = now - self.t0
        rate = done / dt if dt > 0 else 0.0
        msg = f"{self.label}: {done:,} docs, {rate:.1f} docs/s"
        if self.total:
            pct = 100 * done / self.total
            msg += f" ({pct:.0f}% of {self.total:,})"
            if rate > 0 and done < self.total:
                msg += f", ETA {_duration((self.total - done) / rate)}"
        return msg

    def __call__(self, done: int) -> None:
        """After a batch: `done` documents so far (published and error records alike)."""
        if not self.enabled:
            return
        now = _clock()
        if now - self.last < self.interval:
            return
        self.last = now
        self.lines += 1
        self.stream.write(self.line(done, now) + "\n")
        self.stream.flush()


def count_lines(path: str) -> int | None:
    """Non-blank lines of a regular file (one linear pass), None for stdin, pipes and errors."""
    if path == "-" or not os.path.isfile(path):  # reading a FIFO here would consume it
        return None
    try:
        n = 0
        with open(path, "rb") as f:
            for line in f:
                n += bool(line.strip())
        return n
    except OSError:
        return None
