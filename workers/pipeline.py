"""Documents in, results out: detect -> resolve -> redact. No Kafka, no Ray.

Fail closed: a document whose detectors did not all run is either marked degraded (when the
policy allows and the rules still ran) or returned as a Failure - never as clean output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from workers.detect.base import Detector, DetectorError, Skipped
from workers.models import Document, Failure, Result, Span
from workers.redact import Redactor
from workers.resolve import echo_spans, resolve
from workers.taxonomy import Taxonomy

DetectorErrorPolicy = Literal["dead_letter", "degraded"]


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
            try:
                out = det.detect([texts[i] for i in live], [found[i] for i in live])
                bad: set[int] = set()
                err: Exception | None = None
            except DetectorError as e:  # partial failure: only these indices
                out, err = None, e
                bad = {live[j] for j in e.failed} if e.failed else set(live)
            except Exception as e:  # noqa: BLE001 - any detector crash is contained here
                out, err, bad = None, e, set(live)

            if out is not None:
                if len(out) != len(live):
                    err = DetectorError(f"{det.name} returned {len(out)} results for {len(live)} texts")
                    bad = set(live)
                else:
                    for j, i in enumerate(live):
                        if _in_bounds(out[j], len(texts[i])):
                            found[i].extend(out[j])
                            (skipped if isinstance(out[j], Skipped) else ran)[i].append(det.name)
                        else:
                            bad.add(i)
                            err = DetectorError(f"{det.name} returned a span past the end of the text")
            elif isinstance(err, DetectorError) and err.failed:
                # Partial failure: the detector cannot tell us the good ones' spans, so rerun them.
                good = [i for i in live if i not in bad]
                if good:
                    try:
                        again = det.detect([texts[i] for i in good], [found[i] for i in good])
                        for j, i in enumerate(good):
                            if not _in_bounds(again[j], len(texts[i])):
                                raise DetectorError(f"{det.name} returned a span past the end of the text")
                            found[i].extend(again[j])
                            (skipped if isinstance(again[j], Skipped) else ran)[i].append(det.name)
                    except Exception:  # noqa: BLE001
                        bad |= set(good)

            for i in bad:
                if det.name in self.required or self.on_detector_error == "dead_letter":
                    failed[i] = f"{det.name}: {type(err).__name__}: {err}"
                else:
                    degraded[i] = True

        results: list[Result | Failure] = []
        for i, doc in enumerate(docs):
            if failed[i] is not None:
                results.append(
                    Failure(id=doc.id, stage="detect", error_class="DetectorError", message=failed[i])
                )
                continue
            try:
                spans = resolve(self.detections(found[i]), self.taxonomy.priority, doc.text)
                echoes = echo_spans(doc.text, spans, self.echo_min_len) if self.echo_min_len else []
                if echoes:
                    spans = resolve([*spans, *echoes], self.taxonomy.priority, doc.text)
                redacted = self.redactor.redact(doc.text, spans)
            except Exception as e:  # noqa: BLE001 - isolate per record
                results.append(Failure(id=doc.id, stage="redact", error_class=type(e).__name__, message=str(e)))
                continue
            results.append(
                Result(
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

    def detections(self, spans: Sequence[Span]) -> list[Span]:
        """The spans that redact: those scoring at least their type's min_score (a type the
        taxonomy does not know keeps every span: fail closed)."""
        return [s for s in spans if s.score >= self.min_score.get(s.type, 0.0)]


def _in_bounds(spans: Sequence[Span], n: int) -> bool:
    return all(0 <= s.start < s.end <= n for s in spans)
