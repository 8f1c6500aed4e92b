from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.models import Span
from workers.resolve import echo_spans, resolve


def S(a: int, b: int, t: str = "A", score: float = 0.9, det: str = "rules:x") -> Span:
    return Span(start=a, end=b, type=t, score=score, detector=det)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([S(0, 5), S(3, 8)], [(0, 8, "A")]),  # same type overlap merges
        ([S(0, 5), S(5, 8)], [(0, 5, "A"), (5, 8, "A")]),  # touching spans stay apart
        ([S(0, 10, "A", 0.9), S(2, 4, "B", 0.5)], [(0, 10, "A")]),  # contained loser dropped
        ([S(0, 10, "A", 0.5), S(2, 4, "B", 0.9)], [(0, 2, "A"), (2, 4, "B"), (4, 10, "A")]),  # better inner span splits
        ([S(0, 6, "A", 0.9), S(4, 10, "B", 0.6)], [(0, 6, "A"), (6, 10, "B")]),  # partial overlap trimmed
        ([S(0, 6, "A", 0.8), S(0, 6, "B", 0.8)], [(0, 6, "B")]),  # tie -> priority (B=60 > A=50)
    ],
)
def test_resolution_rules(spans: list[Span], expected: list[tuple[int, int, str]]) -> None:
    out = resolve(spans, {"A": 50, "B": 60})
    assert [(s.start, s.end, s.type) for s in out] == expected


def test_merge_keeps_best_detector() -> None:
    out = resolve([S(0, 5, score=0.6, det="rules:a"), S(2, 9, score=0.95, det="llm")])
    assert out == [Span(start=0, end=9, type="A", score=0.95, detector="llm")]


def test_punctuation_remnant_dropped_with_text() -> None:
    text = "+447700 208 815"
    out = resolve([S(0, 15, "PHONE_NUMBER", 0.6), S(1, 15, "CREDIT_CARD", 0.9)], text=text)
    assert [(s.start, s.end, s.type) for s in out] == [(1, 15, "CREDIT_CARD")]


def test_echo_finds_other_occurrences_on_word_boundaries() -> None:
    text = "pass=Hunter22 then Hunter22 and Hunter223"
    echoes = echo_spans(text, [S(5, 13, "PASSWORD")])
    assert [(e.start, e.end) for e in echoes] == [(19, 27)]


spans_st = st.lists(
    st.builds(
        lambda a, n, t, sc: Span(start=a, end=a + n, type=t, score=sc, detector="rules:h"),
        st.integers(0, 200), st.integers(1, 30), st.sampled_from(["A", "B", "C"]),
        st.floats(0, 1, allow_nan=False),
    ),
    max_size=40,
)


@given(spans_st)
def test_resolved_spans_are_disjoint_sorted_and_cover_the_same_characters(spans: list[Span]) -> None:
    out = resolve(spans, {"A": 10, "B": 20, "C": 30})
    for x, y in zip(out, out[1:]):
        assert x.end <= y.start
    covered_in = {i for s in spans for i in range(s.start, s.end)}
    covered_out = {i for s in out for i in range(s.start, s.end)}
    assert covered_in == covered_out
