"""Deterministic stand-ins for the model tiers, for plumbing tests of the Serve app (batching,
GPU pinning, handles, autoscaling, back-pressure) where a real model would only add minutes.
Never used unless a config names one as `extractor.factory` / `encoder.factory`.

The LLM fake tags `Agent <Name>` as PERSON; the NER fake tags `Mr./Ms./Mrs./Dr. <Name>` as
PERSON. Both can be slowed down per batch to build up queues and consumer lag.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from workers.detect.base import Counter
from workers.models import Span

_AGENT = re.compile(r"\bAgent ([A-Z][a-z]+)\b")
_TITLED = re.compile(r"\b(?:Mr|Ms|Mrs|Dr)\.? ([A-Z][a-z]+)\b")


class _FakeTier:
    name = "fake"
    pattern = _AGENT
    score = 0.9

    def __init__(self, delay_s: float = 0.0, entity_type: str = "PERSON"):
        self.delay_s = delay_s
        self.entity_type = entity_type
        self.entity_types = (entity_type,)
        self.batches: list[int] = []

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[list[Span]]:
        if self.delay_s:
            time.sleep(self.delay_s)
        self.batches.append(len(texts))
        return [
            [
                Span(start=m.start(1), end=m.end(1), type=self.entity_type, score=self.score, detector=self.name)
                for m in self.pattern.finditer(t)
            ]
            for t in texts
        ]


class FakeLLMDetector(_FakeTier):
    name = "llm"
    # Counts like the real LLM detector (one of its series), so the replica's publication of
    # detector counters is exercised end to end.
    ROUTED = Counter(
        "pii_worker_llm_routed_docs",
        "Documents the cascade router sent to the model (llm) or kept from it (away)",
        ("route", "llm"),
    )

    def counters(self) -> list[tuple[Counter, int]]:
        return [(self.ROUTED, sum(self.batches))]


class FakeNerDetector(_FakeTier):
    name = "ner"
    pattern = _TITLED
    score = 0.95


def fake_llm_detector(delay_s: float = 0.0, entity_type: str = "PERSON") -> FakeLLMDetector:
    return FakeLLMDetector(delay_s=delay_s, entity_type=entity_type)


def fake_ner_detector(
    delay_s: float = 0.0, entity_type: str = "PERSON", taxonomy: str | None = None
) -> FakeNerDetector:
    # `taxonomy` is accepted (and ignored) so a config written for the real factory runs as is.
    return FakeNerDetector(delay_s=delay_s, entity_type=entity_type)
