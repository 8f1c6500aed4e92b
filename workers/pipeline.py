"""Documents in, results out: detect -> resolve -> redact. No Kafka, no Ray.

Fail closed: a document whose detectors did not all run is either marked degraded (when the
policy allows and the rules still ran) or returned as a Failure - never as clean output.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from workers.detect.base import Closeable, DetectFailure, Detection, Detector, Skipped, failed_batch
from workers.models import Document, Failure, Result, Span, result_unchecked
from workers.redact import Redactor
from workers.resolve import echo_spans, resolve
from workers.taxonomy import Taxonomy

DetectorErrorPolicy = Literal["dead_letter", "degraded"]

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(
        self,
        taxonomy: Taxonomy,
        detectors: Sequence[Detector],
        redactor: Redactor,
        *,
        on_detector_error: DetectorErrorPolicy = "dead_letter",
        required: Sequence[str] = ("rules",),
        echo_min_len: int = 4,
    ):
        if not detectors:
            raise ValueError("a pipeline needs at least one detector")
        self.taxonomy = taxonomy
        self.detectors = list(detectors)
        self.redactor = redactor
        self.on_detector_error = on_detector_error
        # Detectors whose failure can never be degraded around (the rules are the floor).
        self.required = set(required)
        # Other occurrences of detected values this long are redacted too (0 disables).
        self.echo_min_len = echo_min_len
        # Spans under their type's min_score are hints for later detectors (the encoder's unsure
        # spans route documents to the LLM); they are dropped before resolve, whoever made them.
        self.min_score = {e.name: e.min_score for e in taxonomy.entities}
        # Routing detectors (the LLM) ask only about what the detectors before them do not cover.
        for k, det in enumerate(self.detectors):
            follow = getattr(det, "follow", None)
            if callable(follow):
                follow(self.detectors[:k])

    @property
    def detector_names(self) -> list[str]:
        return [d.name for d in self.detectors]

    def run(self, docs: Sequence[Document]) -> list[Result | Failure]:
        texts = [d.text for d in docs]
        found: list[list[Span]] = [[] for _ in docs]
        ran: list[list[str]] = [[] for _ in docs]
        skipped: list[list[str]] = [[] for _ in docs]  # detectors that decided not to run
        failed: list[str | None] = [None] * len(docs)  # first fatal error per doc
        degraded = [False] * len(docs)

        for det in self.detectors:
            live = [i for i in range(len(docs)) if failed[i] is None]
            if not live:
                break
            outcomes = _detect(det, [texts[i] for i in live], [found[i] for i in live])
            for i, o in zip(live, outcomes, strict=True):
                if not isinstance(o, DetectFailure) and not _in_bounds(o, len(texts[i])):
                    o = DetectFailure(f"{det.name} returned a span past the end of the text")
                if isinstance(o, DetectFailure):
                    if det.name in self.required or self.on_detector_error == "dead_letter":
                        failed[i] = f"{det.name}: {o.error_class}: {o.reason}"
                    else:
                        degraded[i] = True
                    continue
                found[i].extend(o)
                (skipped if isinstance(o, Skipped) else ran)[i].append(det.name)

        results: list[Result | Failure] = []
        prio = self.taxonomy.priority
        for i, doc in enumerate(docs):
            reason = failed[i]
            if reason is not None:
                results.append(Failure(id=doc.id, stage="detect", error_class="DetectorError", message=reason))
                continue
            text = doc.text
            try:
                spans = self.detections(found[i]) if found[i] else []
                if spans:
                    spans = resolve(spans, prio, text)
                    echoes = echo_spans(text, spans, self.echo_min_len) if self.echo_min_len else []
                    if echoes:
                        spans = resolve([*spans, *echoes], prio, text)
                    redacted = self.redactor.redact(text, spans)
                else:
                    redacted = text  # nothing to resolve, echo or replace
            except Exception as e:  # noqa: BLE001 - isolate per record
                results.append(Failure(id=doc.id, stage="redact", error_class=type(e).__name__, message=str(e)))
                continue
            # Every field is already of its declared type (a validated Document, validated Spans,
            # lists of detector names): built without re-validating.
            results.append(
                result_unchecked(
                    id=doc.id,
                    text=redacted,
                    entities=spans,
                    detectors=ran[i],
                    degraded=degraded[i],
                    extra=doc.extra,
                    skipped=skipped[i],
                )
            )
        return results

    def run_one(self, doc: Document) -> Result | Failure:
        return self.run([doc])[0]

    def close(self) -> None:
        """Release what the detectors hold (an in-process engine's processes); the host calls it
        once, when it stops."""
        for det in self.detectors:
            if isinstance(det, Closeable):
                try:
                    det.close()
                except Exception:  # noqa: BLE001 - one detector's fault must not keep the others open
                    log.exception("closing the %s detector failed", det.name)

    def detections(self, spans: Sequence[Span]) -> list[Span]:
        """The spans that redact: those scoring at least their type's min_score (a type the
        taxonomy does not know keeps every span: fail closed)."""
        return [s for s in spans if s.score >= self.min_score.get(s.type, 0.0)]


def _detect(det: Detector, texts: list[str], prior: list[list[Span]]) -> Sequence[Detection]:
    """One outcome per text. A crash, a wrong answer count or an answer that is neither spans nor
    a failure fails the whole batch (fail closed); a per-text failure fails only its text."""
    try:
        out = det.detect(texts, prior)
        n = len(out)
    except Exception as e:  # noqa: BLE001 - any detector crash is contained here
        return failed_batch(len(texts), str(e), type(e).__name__)
    if n != len(texts):
        return failed_batch(len(texts), f"{det.name} returned {n} results for {len(texts)} texts")
    if not all(isinstance(o, list | DetectFailure) for o in out):
        return failed_batch(len(texts), f"{det.name} returned something other than spans or a failure")
    return out


def _in_bounds(spans: Sequence[Span], n: int) -> bool:
    for s in spans:  # a loop, not all(genexpr): no generator per document
        if not 0 <= s.start < s.end <= n:
            return False
    return True
