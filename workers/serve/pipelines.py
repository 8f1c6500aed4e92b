"""Build the (unchanged) pipeline inside a replica; the LLM detector is the Extractor's handle."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from workers.models import Document, Failure, Result
from workers.pipeline import Pipeline
from workers.serve.config import ServeAppConfig
from workers.serve.extractor import HandleDetector
from workers.serve.telemetry import ServeMetrics, Source


def pipeline_settings(cfg: ServeAppConfig) -> Any:
    """PipelineSettings from the app config's `pipeline` mapping (env fills what it leaves out,
    e.g. PII_WORKER_HMAC_KEY from a Kubernetes Secret)."""
    from workers.config import PipelineSettings, load_settings

    return load_settings(PipelineSettings, None, **cfg.pipeline)


def build_serve_pipeline(
    cfg: ServeAppConfig,
    extractor_handle: Any = None,
    lag_hint: Callable[[], tuple[str, float] | None] | None = None,
) -> Pipeline:
    from workers.pipeline_factory import build_pipeline

    settings = pipeline_settings(cfg)
    llm = None
    if "llm" in settings.detectors:
        if extractor_handle is None:
            # Never load an engine inside an ingress/consumer replica by accident.
            raise ValueError("pipeline.detectors has 'llm' but the extractor deployment is disabled")
        llm = HandleDetector(extractor_handle, timeout_s=cfg.extractor.request_timeout_s, lag_hint=lag_hint)
    return build_pipeline(settings, llm=llm)


class MeteredPipeline:
    """The pipeline with Ray metrics around each batch (the stream loop and the HTTP route take
    anything with `run` and `detector_names`)."""

    def __init__(self, pipeline: Pipeline, metrics: ServeMetrics, source: Source):
        self._p = pipeline
        self._m = metrics
        self._source = source

    @property
    def detector_names(self) -> list[str]:
        return self._p.detector_names

    @property
    def taxonomy(self) -> Any:
        return self._p.taxonomy

    def run(self, docs: Sequence[Document]) -> list[Result | Failure]:
        t0 = time.monotonic()
        results = self._p.run(docs)
        self._m.observe_batch("pipeline", len(docs), time.monotonic() - t0)
        self._m.observe_results(self._source, results)
        return results
