from __future__ import annotations

import pytest
from hypothesis import given, settings
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
        st.integers(0, 200),
        st.integers(1, 30),
        st.sampled_from(["A", "B", "C"]),
        st.floats(0, 1, allow_nan=False),
    ),
    max_size=40,
)


@given(spans_st)
def test_resolved_spans_are_disjoint_sorted_and_cover_the_same_characters(spans: list[Span]) -> None:
    out = resolve(spans, {"A": 10, "B": 20, "C": 30})
    for x, y in zip(out, out[1:], strict=False):
        assert x.end <= y.start
    covered_in = {i for s in spans for i in range(s.start, s.end)}
    covered_out = {i for s in out for i in range(s.start, s.end)}
    assert covered_in == covered_out


def _reference_resolve(spans: list[Span], prio: dict[str, int], text: str | None) -> list[Span]:
    """The quadratic-but-obvious rule: in rank order, each span keeps the characters no kept span
    holds; a partial remnant without a letter or digit is dropped (its characters stay free)."""
    from workers.resolve import merge_same_type

    ranked = sorted(merge_same_type(spans), key=lambda s: (-s.score, -prio.get(s.type, 50), -s.length, s.start, s.type))
    owner: dict[int, int] = {}
    out: list[Span] = []
    for s in ranked:
        free = [i for i in range(s.start, s.end) if i not in owner]
        runs: list[tuple[int, int]] = []
        for i in free:
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
        for a, b in runs:
            if text is not None and (a, b) != (s.start, s.end) and not any(c.isalnum() for c in text[a:b]):
                continue
            owner.update((i, 1) for i in range(a, b))
            out.append(Span(start=a, end=b, type=s.type, score=s.score, detector=s.detector))
    return sorted(out, key=lambda s: s.start)


@given(spans_st, st.text(alphabet="ab1 +-.", min_size=240, max_size=240), st.booleans())
def test_resolve_matches_the_reference_rule(spans: list[Span], text: str, with_text: bool) -> None:
    prio = {"A": 10, "B": 20, "C": 30}
    got = resolve(spans, prio, text if with_text else None)
    want = _reference_resolve(spans, prio, text if with_text else None)
    assert [(s.start, s.end, s.type, s.score) for s in got] == [(s.start, s.end, s.type, s.score) for s in want]


ECHO = [
    # (text, detected spans, expected echoes (start, end, type))
    ("pass=Hunter22 then Hunter22 and Hunter223", [S(5, 13, "PASSWORD")], [(19, 27, "PASSWORD")]),
    # glued to a letter or digit on either side: not an echo; followed by "." or ")" it is
    ("ip 10.0.0.1 then 10.0.0.1x and x10.0.0.1 and 10.0.0.1.", [S(3, 11, "IP")], [(45, 53, "IP")]),
    ("a@b.co a@b.co.uk (a@b.co)", [S(0, 6, "EMAIL")], [(7, 13, "EMAIL"), (18, 24, "EMAIL")]),
    ("john.smith john.smithy john", [S(0, 10, "EMAIL"), S(23, 27, "PERSON")], [(0, 4, "PERSON"), (11, 15, "PERSON")]),
    ("+1 555 +1 555", [S(0, 6, "PHONE")], [(7, 13, "PHONE")]),
    ("same value two types: abcd abcd", [S(22, 26, "A"), S(22, 26, "B")], [(27, 31, "A"), (27, 31, "B")]),
]


@pytest.mark.parametrize("few", [8, 0])  # both search strategies
@pytest.mark.parametrize(("text", "spans", "expected"), ECHO)
def test_echo_table(text: str, spans: list[Span], expected: list[tuple[int, int, str]], few: int) -> None:
    got = echo_spans(text, spans, few=few)
    assert sorted((e.start, e.end, e.type) for e in got) == sorted(expected)


@given(
    st.text(alphabet="ab1 .-_@é", max_size=120),
    st.lists(st.tuples(st.integers(0, 119), st.integers(1, 12)), max_size=20),
)
def test_echo_strategies_agree_with_a_brute_force_scan(text: str, cuts: list[tuple[int, int]]) -> None:
    spans = [S(a, min(a + n, len(text)), "A") for a, n in cuts if a < len(text)]
    values = {text[s.start : s.end] for s in spans if s.end - s.start >= 4}
    covered = {(s.start, s.end) for s in spans}
    from workers.resolve import _bounded

    brute = {
        (i, i + len(v))
        for v in values
        for i in range(len(text) - len(v) + 1)
        if text.startswith(v, i) and (i, i + len(v)) not in covered and _bounded(text, i, i + len(v))
    }
    for few in (8, 0):
        assert {(e.start, e.end) for e in echo_spans(text, spans, few=few)} == brute


sparse_st = st.lists(
    st.builds(
        lambda a, n, t, d: Span(start=a, end=a + n, type=t, score=0.5, detector=d),
        st.integers(0, 400),
        st.integers(1, 6),
        st.sampled_from(["A", "B"]),
        st.sampled_from(["rules:x", "rules:y", "llm"]),
    ),
    max_size=8,
)


@given(sparse_st, st.booleans())
@settings(deadline=None)
def test_disjoint_shortcut_equals_the_general_path(spans: list[Span], with_text: bool) -> None:
    # resolve returns disjoint input sorted without merging or ranking; the general path must
    # give the same spans, detectors included.
    from workers.resolve import _resolve_overlaps, merge_same_type

    text = "ab1 +-." * 60 if with_text else None
    got = resolve(spans, {"A": 10, "B": 20}, text)
    want = _resolve_overlaps(merge_same_type(spans), {"A": 10, "B": 20}, text)
    assert [s.model_dump() for s in got] == [s.model_dump() for s in want]


class _CountingText(str):
    """A text that counts whole-text searches (str.find is C-level: line-event counting in
    test_dos cannot see it)."""

    finds = 0

    def find(self, *args, **kwargs) -> int:  # type: ignore[no-untyped-def, override]
        type(self).finds += 1
        return super().find(*args, **kwargs)


@pytest.mark.parametrize("values", [50, 400])
def test_echo_does_not_search_the_whole_text_per_span(values: int) -> None:
    # Distinct e-mails, each once: the answer is "nothing to echo", and finding it must not cost
    # one scan of the text per span (O(n * spans) on a document full of values).
    parts = [f"user{i}@example{i}.com" for i in range(values)]
    text = _CountingText(" ".join(parts))
    spans, pos = [], 0
    for p in parts:
        spans.append(Span(start=pos, end=pos + len(p), type="EMAIL_ADDRESS", score=0.9, detector="rules:email"))
        pos += len(p) + 1
    _CountingText.finds = 0
    assert echo_spans(text, spans) == []
    assert _CountingText.finds <= 2 * 8  # the shortcut's bound: `few` spans, two finds each
