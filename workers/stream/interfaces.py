"""What the consumer-group loop (workers.stream.worker) takes and gives: the pipeline it calls,
the report of a batch, and the signal handlers that ask it to stop."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from workers.models import Document, Failure, Result
from workers.redact import Redactor

# The loop's logger: the stop message is the worker's, wherever the handler is defined.
log = logging.getLogger("workers.stream.worker")


class PipelineLike(Protocol):
    """What the loop needs from workers.pipeline.Pipeline."""

    @property
    def detector_names(self) -> list[str]: ...

    @property
    def redactor(self) -> Redactor: ...

    def run(self, docs: Sequence[Document]) -> list[Result | Failure]: ...


@dataclass
class BatchReport:
    records: int = 0
    published: int = 0
    dead_lettered: int = 0


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM/SIGINT set `stop` (the loop finishes or abandons its batch, never commits a
    half-published one); a second signal kills at once."""

    def handler(signum: int, _frame: Any) -> None:
        log.info("received %s: stopping after the current step", signal.Signals(signum).name)
        stop.set()
        signal.signal(signum, signal.SIG_DFL)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
