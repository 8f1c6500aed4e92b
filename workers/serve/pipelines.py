"""Build the (unchanged) pipeline inside a replica; the `ner` and `llm` detectors are the Encoder's
and the Extractor's handles. `MeteredPipeline` adds the per-tier Ray metrics."""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from workers.detect.base import DetectFailure, Detection, Detector
from workers.models import Document, Failure, Result, Span
from workers.pipeline import Pipeline
from workers.serve.batched import HandleDetector
from workers.serve.config import ServeAppConfig
from workers.serve.telemetry import ServeMetrics, Source

log = logging.getLogger(__name__)


def pipeline_settings(cfg: ServeAppConfig) -> Any:
    """PipelineSettings from the app config's `pipeline` mapping (env fills what it leaves out,
    e.g. PII_WORKER_HMAC_KEY from a Kubernetes Secret)."""
    return cfg.pipeline_settings()


def build_serve_pipeline(
    cfg: ServeAppConfig,
    extractor_handle: Any = None,
    lag_hint: Callable[[], tuple[str, float] | None] | None = None,
    encoder_handle: Any = None,
) -> Pipeline:
    from workers.pipeline_factory import build_pipeline

    settings = pipeline_settings(cfg)
    detectors = list(settings.detectors)
    kw: dict[str, Any] = {}
    if "llm" in detectors:
        if extractor_handle is None:
            # Never load an engine inside an ingress/consumer replica by accident.
            raise ValueError("pipeline.detectors has 'llm' but the extractor deployment is disabled")
        ex = cfg.extractor
        kw["llm"] = HandleDetector(
            extractor_handle,
            name="llm",
            queue_timeout_s=ex.queue_timeout_s,
            max_in_flight=ex.max_in_flight,
            lag_hint=lag_hint,
        )
    if "ner" in detectors:
        if encoder_handle is None:
            raise ValueError("pipeline.detectors has 'ner' but the encoder deployment is disabled")
        en = cfg.encoder
        # No lag hint: the encoder scales on its own queue.
        kw["ner"] = HandleDetector(
            encoder_handle, name="ner", queue_timeout_s=en.queue_timeout_s, max_in_flight=en.max_in_flight
        )
    if "ner" in kw and "ner" not in inspect.signature(build_pipeline).parameters:
        return _with_ner(
            build_pipeline(
                settings.model_copy(update={"detectors": [d for d in detectors if d != "ner"]}),
                **{k: v for k, v in kw.items() if k != "ner"},
            ),
            kw["ner"],
        )
    return build_pipeline(settings, **kw)


def _with_ner(p: Pipeline, ner: Detector) -> Pipeline:
    """A factory that cannot take an injected `ner` detector: slot it in after the rules."""
    dets = list(p.detectors)
    at = 1 if dets and dets[0].name == "rules" else 0
    return Pipeline(
        p.taxonomy,
        [*dets[:at], ner, *dets[at:]],
        p.redactor,
        on_detector_error=p.on_detector_error,
        required=sorted(p.required),
        echo_min_len=p.echo_min_len,
    )


class MeteredDetector:
    """A detector with its per-tier latency and span count recorded; everything else (name,
    attributes the pipeline or a router reads) is the wrapped detector's."""

    def __init__(self, inner: Detector, metrics: ServeMetrics, source: Source):
        self._inner = inner
        self._m = metrics
        self._source = source
        self.name = inner.name

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> Sequence[Detection]:
        t0 = time.monotonic()
        out = self._inner.detect(texts, prior)
        try:
            spans = sum(len(o) for o in out if not isinstance(o, DetectFailure))
            self._m.observe_detector(self._source, self.name, spans, time.monotonic() - t0)
        except Exception:  # noqa: BLE001 - a metrics fault must never fail (dead-letter) documents
            log.exception("recording %s detector metrics failed", self.name)
        return out

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)


class MeteredPipeline:
    """The pipeline with Ray metrics around each batch and each detector tier (the stream loop
    and the HTTP route take anything with `run` and `detector_names`)."""

    def __init__(self, pipeline: Pipeline, metrics: ServeMetrics, source: Source):
        self._p = pipeline
        self._m = metrics
        self._source = source
        pipeline.detectors = [MeteredDetector(d, metrics, source) for d in pipeline.detectors]

    @property
    def detector_names(self) -> list[str]:
        return self._p.detector_names

    @property
    def taxonomy(self) -> Any:
        return self._p.taxonomy

    @property
    def pipeline(self) -> Pipeline:
        return self._p

    @property
    def redactor(self) -> Any:
        # Records redact each field with the pipeline's operators (workers.records).
        return self._p.redactor

    def run(self, docs: Sequence[Document]) -> list[Result | Failure]:
        t0 = time.monotonic()
        results = self._p.run(docs)
        try:
            self._m.observe_batch("pipeline", len(docs), time.monotonic() - t0)
            self._m.observe_results(self._source, results, llm_configured="llm" in self._p.detector_names)
        except Exception:  # noqa: BLE001 - metrics never decide a document's fate
            log.exception("recording pipeline metrics failed")
        return results
