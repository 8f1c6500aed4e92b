"""The one interface every detector implements (rules, encoder and LLM alike), and the optional
ones a host (CLI process, Serve replica) uses: lifecycle (`close`) and counters (`counters`).

Per-text outcomes: `detect` answers every text in one call with its spans, `Skipped()` (a routing
decision: not looked at) or a `DetectFailure` (this text could not be done; its batch-mates were).
Raising fails the whole batch - the pipeline fails every text of it closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from workers.errors import PiiWorkerError
from workers.models import Span


class DetectorError(PiiWorkerError, RuntimeError):
    """A detector could not produce spans for any text of a batch (raised; for one text of a batch,
    answer a `DetectFailure` instead)."""


@dataclass(frozen=True)
class DetectFailure:
    """A detector's answer for one text it could not do. `reason` says what went wrong and never
    quotes the text (it reaches dead-letter headers and logs); `error_class` classifies it."""

    reason: str
    error_class: str = "DetectorError"


class Skipped(list[Span]):
    """A detector's answer for a text it deliberately did not look at (the cascade router kept it
    from the LLM): no spans, and the pipeline records the detector as skipped, not as run or
    failed. A skip is a decision, so it never makes a document degraded."""


# One text's outcome: spans found (a plain list), `Skipped()` (no spans, by decision) or a failure.
Detection = list[Span] | DetectFailure


@runtime_checkable
class Detector(Protocol):
    """Batched detection. `prior[i]` are spans earlier detectors found in `texts[i]`
    (the LLM masks them so it neither re-reads nor re-emits them). One outcome per text, in order."""

    name: str

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> Sequence[Detection]: ...


@runtime_checkable
class Closeable(Protocol):
    """A detector (or engine) holding resources beyond the Python heap (engine processes, thread
    pools): the host calls `close()` once when it stops using it. Idempotent."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class Counter:
    """One counter series a detector reports: a family name without the `_total` suffix (each
    host's metrics library adds its own), its help text and at most one label (key, value) whose
    value comes from code, never from a document."""

    name: str
    help: str
    label: tuple[str, str] | None = None


@runtime_checkable
class Counted(Protocol):
    """A detector that counts what it does. `counters()` gives each series' cumulative value since
    the detector was built; hosts publish them (prometheus_client in a CLI process, ray.serve.metrics
    in a replica), so `detect/` depends on neither."""

    def counters(self) -> list[tuple[Counter, int]]: ...


def failed_batch(n: int, reason: str, error_class: str = "DetectorError") -> list[Detection]:
    """Every one of `n` texts failed for the same reason (a crash, a timeout, a wrong answer count)."""
    f = DetectFailure(reason, error_class)
    return [f] * n
