"""Invariants of the rules path over generated text (hypothesis)."""

from __future__ import annotations

import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.detect.engine import MatchEngine, PatternError
from workers.models import Document, Result
from workers.pipeline_factory import build_pipeline

PIPE = build_pipeline()

VALUES = st.sampled_from(
    [
        "jane.doe@example.com",
        "4111 1111 1111 1111",
        "DE89 3704 0044 0532 0130 00",
        "123-45-6789",
        "203.0.113.7",
        "2001:db8::1",
        "+1 415-555-2671",
        "00:1a:2b:3c:4d:5e",
        "password=Hunter2!x",
        "AKIAIOSFODNN7EXAMPLE",
        "https://x.example.com/a?b=c",
        "ssn 078051129",
        "user=jsmith",
    ]
)
FILLER = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=25)
DOC = st.lists(st.one_of(VALUES, FILLER), max_size=12).map(" ".join)


def _run(text: str) -> Result:
    r = PIPE.run([Document(id="p", text=text)])[0]
    assert isinstance(r, Result)
    return r


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(DOC)
def test_offsets_in_bounds_and_sorted(text: str) -> None:
    r = _run(text)
    for s in r.entities:
        assert 0 <= s.start < s.end <= len(text)
    for a, b in zip(r.entities, r.entities[1:], strict=False):
        assert a.end <= b.start


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(DOC)
def test_no_detected_value_survives(text: str) -> None:
    r = _run(text)
    for s in r.entities:
        value = text[s.start : s.end]
        if len(value) >= 4:
            assert value not in r.text, (value, r.text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(DOC)
def test_redaction_is_idempotent(text: str) -> None:
    once = _run(text).text
    assert _run(once).text == once


def test_engine_is_linear_time_by_construction() -> None:
    eng = MatchEngine([r"(a+)+$"])
    assert eng.name == "hyperscan+re2"  # automata only: hyperscan prefilter + RE2 extraction
    # The classic catastrophic-backtracking input is just a linear scan here.
    assert list(eng.scan("a" * 100_000 + "!")) == []
    # Non-regular constructs that need backtracking are rejected at compile time.
    for pattern in [r"(a)\1", r"foo(?=bar)", r"(?<!x)y"]:
        try:
            MatchEngine([pattern])
        except PatternError:
            continue
        raise AssertionError(f"{pattern} compiled, but it needs a backtracking engine")
    assert isinstance(eng._re2[0], re2._Regexp)
