"""A deterministic stand-in for the LLM detector, for plumbing tests of the Serve app (batching,
GPU pinning, handles, autoscaling) where a real model would only add minutes. Never used unless
a config names it as `extractor.factory`.

It tags `Agent <Name>` as PERSON and can be slowed down per batch to build up consumer lag.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from workers.models import Span

_AGENT = re.compile(r"\bAgent ([A-Z][a-z]+)\b")


class FakeLLMDetector:
    name = "llm"

    def __init__(self, delay_s: float = 0.0, entity_type: str = "PERSON"):
        self.delay_s = delay_s
        self.entity_type = entity_type
        self.batches: list[int] = []

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[list[Span]]:
        if self.delay_s:
            time.sleep(self.delay_s)
        self.batches.append(len(texts))
        return [
            [Span(start=m.start(1), end=m.end(1), type=self.entity_type, score=0.9, detector="llm")
             for m in _AGENT.finditer(t)]
            for t in texts
        ]


def fake_llm_detector(delay_s: float = 0.0, entity_type: str = "PERSON") -> FakeLLMDetector:
    return FakeLLMDetector(delay_s=delay_s, entity_type=entity_type)
