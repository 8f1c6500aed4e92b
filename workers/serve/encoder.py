"""The Encoder deployment: the `ner` detector (ONNX token classifier) batched behind a handle.

Every document passes through it (rules -> ner -> llm), so it is built for throughput: large
`@serve.batch` batches (the detector buckets them by length inside), a fraction of a GPU per
replica on GPU nodes (a 20M-parameter encoder leaves most of a device idle) or CPU replicas
elsewhere, and autoscaling on its own queue. Callers reach it through `HandleDetector`
(name "ner"), exactly like the Extractor.
"""

from __future__ import annotations

from typing import Any

from ray import serve

from workers.detect.base import Detector
from workers.serve.batched import BatchedDetectorReplica


def ner_detector(taxonomy: str | None = None, **ner: Any) -> Detector:
    """Default encoder factory: the `ner` detector for `taxonomy` (bundled default when None);
    `ner` = NerSettings fields (model name or path, threads, batch size, ...)."""
    from workers.detect.ner import NerSettings, build_ner_detector
    from workers.taxonomy import load_taxonomy

    det: Detector = build_ner_detector(load_taxonomy(taxonomy), NerSettings(**ner))
    return det


@serve.deployment
class Encoder(BatchedDetectorReplica):
    stage = "encoder"

    def __init__(
        self,
        factory: str,
        options: dict[str, Any],
        max_batch_size: int,
        batch_wait_timeout_s: float,
        request_timeout_s: float = 60.0,
    ):
        self._setup(factory, options, request_timeout_s)
        self.extract.set_max_batch_size(max_batch_size)  # type: ignore[attr-defined]
        self.extract.set_batch_wait_timeout_s(batch_wait_timeout_s)  # type: ignore[attr-defined]

    @serve.batch(max_batch_size=64, batch_wait_timeout_s=0.01)
    async def extract(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await self._extract_batch(requests)
