"""Build the (unchanged) pipeline inside a replica; the LLM detector is the Extractor's handle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.pipeline import Pipeline
from workers.serve.config import ServeAppConfig
from workers.serve.extractor import HandleDetector


def build_serve_pipeline(
    cfg: ServeAppConfig,
    extractor_handle: Any = None,
    lag_hint: Callable[[], tuple[str, float] | None] | None = None,
) -> Pipeline:
    from workers.config import PipelineSettings
    from workers.pipeline_factory import build_pipeline

    settings = PipelineSettings(**cfg.pipeline)
    llm = None
    if extractor_handle is not None:
        llm = HandleDetector(extractor_handle, timeout_s=cfg.extractor.request_timeout_s, lag_hint=lag_hint)
    return build_pipeline(settings, llm=llm)
