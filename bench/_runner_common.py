"""Shared by the two engine runners (stdlib only: it also runs inside .venv-bench)."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any


def read_docs(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class Progress:
    def __init__(self, total: int, label: str):
        self.total, self.label, self.t0, self.last = total, label, time.monotonic(), 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last >= 5 or done >= self.total:
            self.last = now
            rate = done / max(now - self.t0, 1e-9)
            print(f"  {self.label}: {done}/{self.total} docs, {rate:.1f} docs/s", file=sys.stderr, flush=True)


def chunks(xs: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(xs), n):
        yield xs[i : i + n]


def timed_passes(
    run_pass: Callable[[], Any],
    n_docs: int,
    min_seconds: float,
    max_passes: int,
    before_pass: Callable[[], None] | None = None,
) -> tuple[Any, list[float], list[float]]:
    """Run whole-corpus passes until min_seconds elapsed (at least one).

    Returns (last output, wall-clock docs/s per pass, docs per CPU-second of this process per pass).
    The CPU figure is less sensitive to other load on a shared machine than the wall-clock one.
    `before_pass` runs untimed before each pass (an engine resetting what an earlier pass over the
    same documents left behind).
    """
    rates: list[float] = []
    cpu_rates: list[float] = []
    out = None
    t_all = time.monotonic()
    while len(rates) < max_passes:
        if before_pass is not None:
            before_pass()
        t0, c0 = time.monotonic(), time.process_time()
        out = run_pass()
        rates.append(n_docs / (time.monotonic() - t0))
        cpu_rates.append(n_docs / max(time.process_time() - c0, 1e-9))
        if time.monotonic() - t_all >= min_seconds:
            break
    return out, rates, cpu_rates


def emit(stats: dict[str, Any]) -> None:
    print(json.dumps(stats), flush=True)
