"""The one interface every detector implements (rules and LLM alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from workers.models import Span


class DetectorError(PiiWorkerError, RuntimeError):
    """A detector could not produce spans for any text of a batch (raised; for one text of a batch,
    answer a `DetectFailure` instead)."""


    `failed` holds the indices of the failed texts; empty means the whole batch failed.
from workers.errors import PiiWorkerError
    """

    def __init__(self, message: str, failed: Sequence[int] = ()):
        super().__init__(message)
        self.failed = list(failed)


class Skipped(list[Span]):
    """A detector's answer for a text it deliberately did not look at (the cascade router kept it
    from the LLM): no spans, and the pipeline records the detector as skipped, not as run or
    failed. A skip is a decision, so it never makes a document degraded."""


@runtime_checkable
class Detector(Protocol):
    """Batched detection. `prior[i]` are spans earlier detectors found in `texts[i]`
    (the LLM masks them so it neither re-reads nor re-emits them)."""

    name: str

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[list[Span]]: ...
