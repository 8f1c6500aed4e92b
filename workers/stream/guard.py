"""What the stream worker trusts of a pipeline: a batch that raises or miscounts is re-run one
record at a time (one bad record never fails its batch), and a result is published only if every
detector ran on it or it is explicitly degraded (fail closed)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from workers.models import Document, Failure, Result
from workers.stream.interfaces import PipelineLike

log = logging.getLogger(__name__)


def run_isolated(pipeline: PipelineLike, docs: list[Document]) -> list[Result | Failure]:
    """Pipeline.run already isolates records; if it still raises or miscounts, run one by one
    so one bad record never fails its batch."""
    if not docs:
        return []
    try:
        out = pipeline.run(docs)
        if len(out) == len(docs):
            return list(out)
        log.error("pipeline returned %d results for %d documents; isolating", len(out), len(docs))
    except Exception as e:  # noqa: BLE001
        log.error("pipeline batch failed (%s: %s); isolating records", type(e).__name__, e)
    res: list[Result | Failure] = []
    for d in docs:
        try:
            one = pipeline.run([d])
            res.append(
                one[0]
                if len(one) == 1
                else Failure(
                    id=d.id,
                    stage="pipeline",
                    error_class="PipelineError",
                    message=f"pipeline returned {len(one)} results for 1 document",
                )
            )
        except Exception as e:  # noqa: BLE001
            res.append(Failure(id=d.id, stage="pipeline", error_class=type(e).__name__, message=str(e)))
    return res


def fail_closed(detector_names: Sequence[str], r: Result | Failure) -> Result | Failure:
    """Fail closed: a result must say every detector ran, or be explicitly degraded."""
    if isinstance(r, Failure):
        return r
    if not isinstance(r, Result):
        return Failure(
            id=None, stage="pipeline", error_class="PipelineError", message=f"pipeline returned {type(r).__name__}"
        )
    missing = [d for d in detector_names if d not in r.detectors and d not in r.skipped]
    if missing and not r.degraded:
        return Failure(
            id=r.id,
            stage="detect",
            error_class="IncompleteDetection",
            message=f"detectors did not run: {', '.join(missing)}",
        )
    return r
