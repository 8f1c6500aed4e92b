"""The rules tier's shortcuts (digit floors before validation, document hints from the prefilter
pass, claim reuse, the ASCII run order) report exactly what the unshortened path reports."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.patterns import BUILTIN
from workers.detect.rules import RulesDetector
from workers.loggen import generate
from workers.taxonomy import load_taxonomy


class _EveryHint:
    """Engine wrapper reporting every hint present: the view check and the phone-column walk
    then always run in full."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def scan_bytes(self, subject: bytes) -> tuple[list[int], int]:
        return self.engine.scan_bytes(subject)[0], -1


@pytest.fixture(scope="module")
def pair() -> tuple[RulesDetector, RulesDetector]:
    tax = load_taxonomy()
    fast = RulesDetector(tax)
    ref = RulesDetector(tax, recognizers=[replace(r, min_digits=0) for r in BUILTIN])
    ref.engine = _EveryHint(ref.engine)  # type: ignore[assignment]
    return fast, ref


def _spans(det: RulesDetector, text: str) -> list[tuple[int, int, str, float, str]]:
    return [(s.start, s.end, s.type, s.score, s.detector) for s in det.detect_one(text)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_logs_same_spans(pair, seed: int) -> None:
    fast, ref = pair
    for doc in generate(150, seed=seed):
        assert _spans(fast, doc.text) == _spans(ref, doc.text)


EVASIONS = st.sampled_from(
    ["%40", "&#64;", " [at] ", " at ", " dot ", "\u200b", "\uff14", "\u0430", "phone,name\n", "Tel|x\n", "\n", " "]
)
PIECES = st.sampled_from(
    [
        "jane.doe@example.com",
        "+1 415-555-2671",
        "(415) 555-2671",
        "2026-10-06 12:30:01",
        "415 5552671",
        "v1.2.3",
        "123-45-6789",
        "4111 1111 1111 1111",
        "10.0.0.1",
        "phone: 5551234567",
        "555-123-4567,bob",
        "db.example.org",
    ]
)
DOC = st.lists(st.one_of(PIECES, EVASIONS, st.text(max_size=6)), max_size=14).map("".join)


@given(DOC)
@settings(max_examples=300, deadline=None)
def test_any_text_same_spans(pair, text: str) -> None:
    fast, ref = pair
    assert _spans(fast, text) == _spans(ref, text)


TERM_SETS = sorted(
    {r.context for r in BUILTIN if r.context}
    | {r.negative_context for r in BUILTIN if r.negative_context}
    | {("téléphone", "tel", "a b"), ("id=", "x")}
)
WINDOW = st.lists(
    st.one_of(
        st.sampled_from([w for ts in TERM_SETS for w in ts]),
        st.text(alphabet="abcxyz019 _-.:=\t\n/", max_size=4),
        st.sampled_from(["é", "\u212a", "İ", "ß"]),
    ),
    max_size=12,
).map("".join)


@pytest.mark.parametrize("terms", TERM_SETS, ids=lambda t: t[0])
@given(window=WINDOW)
@settings(max_examples=150, deadline=None)
def test_context_terms_fast_path_equals_the_regex(terms: tuple[str, ...], window: str) -> None:
    from workers.detect.context import compile_terms, word_runs

    t = compile_terms(terms)
    assert t is not None
    low = window.lower()  # windows are cut from the lower-cased document
    assert t.found(low, word_runs(low)) == (t.rx.search(low) is not None)


GLUED = st.lists(
    st.one_of(
        PIECES,
        st.sampled_from(["ab-", "x_", "a/", "v.", "api-7.example.internal:", "phone:", "id ", "9-", "-1", "/2"]),
        st.text(alphabet="0123456789 -._/:+()ax", max_size=8),
    ),
    max_size=10,
).map("".join)


@given(GLUED)
@settings(max_examples=300, deadline=None)
def test_left_glue_exit_before_strong_check_same_spans(pair, text: str) -> None:
    """Candidates glued on the left are dropped before the strong check (phone_valid); without
    that exit the later glue check drops them too, after paying for it."""
    from unittest import mock

    fast, _ = pair
    got = _spans(fast, text)
    with mock.patch("workers.detect.rules._glued_left", lambda _text, _start: False):
        assert _spans(fast, text) == got


@given(st.text(alphabet="ab09 -._/:", max_size=24), st.data())
@settings(max_examples=300, deadline=None)
def test_left_glue_holds_for_every_end(text: str, data) -> None:
    from workers.detect.candidates import _glued, _glued_left

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    if _glued_left(text, start):
        assert all(_glued(text, start, e) for e in range(start, len(text) + 1))
    right = end + 1 < len(text) and text[end] in "-_/." and text[end + 1].isdigit()
    assert _glued(text, start, end) == (_glued_left(text, start) or right)


@given(st.lists(DOC, max_size=8))
@settings(max_examples=200, deadline=None)
def test_batch_detect_equals_one_by_one(pair, texts: list[str]) -> None:
    """The batch runs pattern by pattern across its texts; each text's spans (and their order)
    are those it gets alone."""
    fast, _ = pair
    batch = fast.detect(texts)
    assert [[(s.start, s.end, s.type, s.score, s.detector) for s in spans] for spans in batch] == [
        _spans(fast, t) for t in texts
    ]


@pytest.mark.parametrize("seed", [4, 5])
def test_generated_batch_equals_one_by_one(pair, seed: int) -> None:
    fast, _ = pair
    texts = [d.text for d in generate(120, seed=seed)]
    texts += ["é " + t for t in texts[:40]]  # non-ASCII texts take the character-offset path
    assert fast.detect(texts) == [fast.detect_one(t) for t in texts]


SPAN_SETS = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12)), max_size=12)


@given(SPAN_SETS, st.lists(st.tuples(st.integers(0, 50), st.integers(0, 12)), min_size=1, max_size=20))
@settings(max_examples=300, deadline=None)
def test_few_claims_answer_as_the_sorted_claims(spans, queries) -> None:
    """A handful of claims is tested linearly; any count answers as the bisect structure does,
    and both as the definition (some span contains the query)."""
    from workers.detect.rules import _Claims, _claims
    from workers.models import span_unchecked

    made = [span_unchecked(a, a + n, "X", 1.0, "t") for a, n in spans]
    fast, ref = _claims(made), _Claims(made)
    for a, n in queries:
        want = any(s.start <= a and s.end >= a + n for s in made)
        assert fast.covers(a, a + n) == ref.covers(a, a + n) == want
