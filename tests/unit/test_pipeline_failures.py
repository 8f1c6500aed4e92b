"""Per-text detector outcomes through the pipeline: spans, skips and failures of one call, whole-
batch crashes, fail-closed policy. Fake tiers scripted per text; no text is ever asked twice."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.base import DetectFailure, Detection, Skipped
from workers.models import Document, Failure, Result, Span
from workers.pipeline import Pipeline
from workers.redact import Redactor
from workers.taxonomy import load_taxonomy

TAX = load_taxonomy()
NAMES = ("rules", "ner", "llm")
# Per-text answers: ok (a PERSON span over "Alice"), fail, skip, oob (a span past the end);
# batch-level: crash (detect raises), short (one answer too few).
PER_TEXT = ("ok", "fail", "skip", "oob")
BATCH = ("crash", "short")


class Tier:
    def __init__(self, name: str, script: dict[str, str]):
        self.name = name
        self.script = script  # text -> outcome (default ok)
        self.calls: list[list[str]] = []

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[Detection]:
        self.calls.append(list(texts))
        kinds = [self.script.get(t, "ok") for t in texts]
        if "crash" in kinds:
            raise RuntimeError("engine process died")
        out: list[Detection] = []
        for t, k in zip(texts, kinds, strict=True):
            if k == "fail":
                out.append(DetectFailure("model answer malformed", "MalformedOutput"))
            elif k == "skip":
                out.append(Skipped())
            elif k == "oob":
                out.append([Span(start=0, end=len(t) + 3, type="PERSON", score=0.9, detector=self.name)])
            else:
                i = t.index("Alice")
                out.append([Span(start=i, end=i + 5, type="PERSON", score=0.9, detector=self.name)])
        return out[:-1] if "short" in kinds else out


def texts(n: int) -> list[str]:
    return [f"doc {i}: Alice wrote" for i in range(n)]


def run(
    scripts: dict[str, dict[int, str]], n: int, policy: str = "dead_letter", required: Sequence[str] = ("rules",)
) -> tuple[list[Result | Failure], list[Tier]]:
    ts = texts(n)
    tiers = [Tier(name, {ts[i]: k for i, k in scripts.get(name, {}).items()}) for name in NAMES]
    p = Pipeline(TAX, tiers, Redactor(TAX), on_detector_error=policy, required=required)  # type: ignore[arg-type]
    return p.run([Document(id=str(i), text=t) for i, t in enumerate(ts)]), tiers


# Each row: scripts (tier -> {doc: outcome}), policy, required, expected per doc
# ("clean", "degraded", "failed:<tier>", "skipped:<tier>").
CASES = [
    ({"llm": {1: "fail"}}, "dead_letter", ("rules",), ["clean", "failed:llm", "clean"]),
    ({"llm": {1: "fail"}}, "degraded", ("rules",), ["clean", "degraded", "clean"]),
    ({"rules": {0: "fail"}}, "degraded", ("rules",), ["failed:rules", "clean", "clean"]),
    ({"llm": {2: "crash"}}, "degraded", ("rules",), ["degraded", "degraded", "degraded"]),
    ({"llm": {2: "crash"}}, "dead_letter", ("rules",), ["failed:llm", "failed:llm", "failed:llm"]),
    ({"ner": {0: "short"}}, "dead_letter", ("rules",), ["failed:ner", "failed:ner", "failed:ner"]),
    ({"llm": {0: "skip", 1: "fail"}}, "degraded", ("rules",), ["skipped:llm", "degraded", "clean"]),
    ({"ner": {0: "oob"}}, "dead_letter", ("rules",), ["failed:ner", "clean", "clean"]),
    ({"ner": {0: "oob"}, "llm": {1: "fail"}}, "degraded", ("rules",), ["degraded", "degraded", "clean"]),
    ({"ner": {2: "fail"}}, "degraded", ("rules", "ner"), ["clean", "clean", "failed:ner"]),
    ({"rules": {1: "crash"}}, "degraded", ("rules",), ["failed:rules", "failed:rules", "failed:rules"]),
]


@pytest.mark.parametrize(("scripts", "policy", "required", "expected"), CASES)
def test_per_text_outcomes(scripts, policy, required, expected) -> None:
    out, tiers = run(scripts, len(expected), policy, required)
    for r, want in zip(out, expected, strict=True):
        kind, _, tier = want.partition(":")
        if kind == "failed":
            assert isinstance(r, Failure) and r.stage == "detect"
            assert r.message.startswith(f"{tier}: ") and "Alice" not in r.message
            continue
        assert isinstance(r, Result)
        assert r.degraded == (kind == "degraded")
        assert r.skipped == ([tier] if kind == "skipped" else [])
        if kind in ("clean", "skipped"):
            assert sorted(r.detectors + r.skipped) == sorted(NAMES)
        assert "Alice" not in r.text  # the rules tier ran on it (a failed rules tier fails the doc)
    # One call per tier, each text at most once: the good texts of a partly failed batch are never rerun.
    for t in tiers:
        assert len(t.calls) <= 1 and all(len(c) == len(set(c)) for c in t.calls)


def test_a_failed_text_is_not_shown_to_later_tiers_under_dead_letter() -> None:
    _, (rules, ner, llm) = run({"ner": {1: "fail"}}, 3)
    assert llm.calls == [[texts(3)[0], texts(3)[2]]]


def test_failure_message_names_tier_and_class() -> None:
    out, _ = run({"llm": {0: "fail"}}, 1)
    assert isinstance(out[0], Failure)
    assert out[0].message == "llm: MalformedOutput: model answer malformed"
    assert out[0].error_class == "DetectorError"


def test_an_answer_that_is_neither_spans_nor_a_failure_fails_the_batch() -> None:
    class Odd(Tier):
        def detect(self, texts, prior):
            return [None for _ in texts]

    p = Pipeline(TAX, [Tier("rules", {}), Odd("llm", {})], Redactor(TAX), on_detector_error="degraded")
    out = p.run([Document(id="1", text="Alice x")])
    assert isinstance(out[0], Result) and out[0].degraded and out[0].detectors == ["rules"]


outcome = st.sampled_from(PER_TEXT + BATCH)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 6),
    data=st.data(),
    policy=st.sampled_from(["dead_letter", "degraded"]),
    required=st.sampled_from([("rules",), ("rules", "ner"), ("rules", "ner", "llm")]),
)
def test_no_document_whose_required_detector_failed_is_clean(n, data, policy, required) -> None:
    scripts = {name: data.draw(st.dictionaries(st.integers(0, n - 1), outcome, max_size=n)) for name in NAMES}
    out, tiers = run(scripts, n, policy, required)
    ts = texts(n)
    asked = {t.name: {x for c in t.calls for x in c} for t in tiers}
    for i, r in enumerate(out):
        # What happened to doc i at each tier that saw it (a batch-level fault hits every text seen).
        failed_at = []
        for t in tiers:
            if ts[i] not in asked[t.name]:
                continue
            batch = [t.script.get(x, "ok") for x in t.calls[0]]
            k = t.script.get(ts[i], "ok")
            if k in ("fail", "oob") or any(b in BATCH for b in batch):
                failed_at.append(t.name)
        if any(name in required for name in failed_at) or (failed_at and policy == "dead_letter"):
            assert isinstance(r, Failure), (i, failed_at, r)
            continue
        assert isinstance(r, Result)
        assert r.degraded == bool(failed_at)
        if not r.degraded:
            # Clean output: every configured detector ran or decided to skip.
            assert sorted(r.detectors + r.skipped) == sorted(NAMES)
        assert not set(failed_at) & set(r.detectors + r.skipped)
    for t in tiers:
        assert len(t.calls) <= 1  # never a rerun
