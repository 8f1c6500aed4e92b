"""The Extractor deployment: batched LLM detection behind a DeploymentHandle.

Callers reach it through `HandleDetector` (workers/serve/batched.py), so the pipeline is unchanged.
`max_ongoing_requests` must be >= the batch size or Ray caps every batch at it (checked in
config.py). Timeouts count from when the engine starts a batch; callers wait (back-pressure).
"""

from __future__ import annotations

from typing import Any

from ray import serve

from workers.detect.base import Detector
from workers.serve.batched import (
    LAG_HINT_TTL_S,
    BatchedDetectorReplica,
    ExtractorTimeout,
    HandleDetector,
    build_engine_detector,
    close_detector,
    import_attr,
)
from workers.serve.telemetry import ServeMetrics

__all__ = [
    "LAG_HINT_TTL_S",
    "Extractor",
    "ExtractorTimeout",
    "HandleDetector",
    "ServeMetrics",
    "build_engine_detector",
    "close_detector",
    "import_attr",
    "llm_detector",
]


def llm_detector(taxonomy: str | None = None, **llm: Any) -> Detector:
    """Default extractor factory: the vLLM-backed LLM detector (workers.detect.llm) for the LLM-
    handled types of `taxonomy` (bundled default when None); `llm` = LLMSettings fields."""
    from workers.detect.llm.detector import LLMDetector
    from workers.detect.llm.settings import LLMSettings
    from workers.taxonomy import load_taxonomy

    return LLMDetector(load_taxonomy(taxonomy), LLMSettings(**llm))


@serve.deployment
class Extractor(BatchedDetectorReplica):
    stage = "extractor"

    def __init__(
        self,
        factory: str,
        options: dict[str, Any],
        max_batch_size: int,
        batch_wait_timeout_s: float,
        request_timeout_s: float = 300.0,
    ):
        self._setup(factory, options, request_timeout_s)
        self.extract.set_max_batch_size(max_batch_size)  # type: ignore[attr-defined]
        self.extract.set_batch_wait_timeout_s(batch_wait_timeout_s)  # type: ignore[attr-defined]

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.05)
    async def extract(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await self._extract_batch(requests)
