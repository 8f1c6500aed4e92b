"""The pipeline's hint rule: spans under their type's min_score reach later detectors (as prior)
but never the output; at or above it they redact, whoever found them."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.rules import RulesDetector
from workers.models import Document, Result, Span
from workers.pipeline import Pipeline
from workers.redact import Redactor
from workers.taxonomy import load_taxonomy

TAX = load_taxonomy()
TEXT = "Ticket by Maria Gonzalez, Authorization: Bearer x, mail a@b.io"


class Scored:
    """An encoder stand-in: PERSON spans with fixed scores."""

    name = "ner"

    def __init__(self, spans: list[tuple[str, float]]):
        self.spans = spans

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[list[Span]]:
        out = []
        for t in texts:
            out.append(
                [
                    Span(start=t.index(v), end=t.index(v) + len(v), type="PERSON", score=p, detector="ner")
                    for v, p in self.spans
                    if v in t
                ]
            )
        return out


class Recorder:
    name = "llm"

    def __init__(self) -> None:
        self.prior: list[list[Span]] = []

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[list[Span]]:
        self.prior = [list(p) for p in prior]
        return [[] for _ in texts]


def test_hints_reach_later_detectors_but_not_the_output():
    rec = Recorder()
    p = Pipeline(TAX, [RulesDetector(TAX), Scored([("Maria Gonzalez", 0.97), ("Bearer", 0.3)]), rec], Redactor(TAX))
    (r,) = p.run([Document(id="1", text=TEXT)])
    assert isinstance(r, Result)
    assert r.text == "Ticket by [PERSON], Authorization: Bearer x, mail [EMAIL_ADDRESS]"
    assert {(s.type, s.detector) for s in r.entities} == {("PERSON", "ner"), ("EMAIL_ADDRESS", "rules:email")}
    assert ("PERSON", 0.3) in {(s.type, s.score) for s in rec.prior[0]}  # the hint was seen
    assert r.detectors == ["rules", "ner", "llm"]


@pytest.mark.parametrize(("delta", "redacted"), [(-0.01, False), (0.0, True), (0.3, True)])
def test_min_score_is_the_boundary(delta, redacted):
    score = TAX.by_name["PERSON"].min_score + delta
    p = Pipeline(TAX, [Scored([("Maria Gonzalez", score)])], Redactor(TAX))
    (r,) = p.run([Document(id="1", text=TEXT)])
    assert isinstance(r, Result)
    assert ("Maria Gonzalez" not in r.text) is redacted


PLAIN = Pipeline(TAX, [Scored([])], Redactor(TAX))


@settings(deadline=None)
@given(st.floats(0.0, 1.0))
def test_detections_keep_exactly_spans_at_or_above_min_score(score):
    p = PLAIN
    spans = [
        Span(start=0, end=5, type="PERSON", score=score, detector="ner"),
        Span(start=0, end=5, type="NOT_IN_TAXONOMY", score=score, detector="x"),
    ]
    kept = p.detections(spans)
    assert [s.type for s in kept] == (["PERSON"] if score >= TAX.by_name["PERSON"].min_score else []) + [
        "NOT_IN_TAXONOMY"
    ]
