"""BIO labelling from character spans over token offsets, windows, and decoding back to spans."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.distill.labels import CharSpan, LabelSet, Window, best_window, bio_tags, decode, windows

LS = LabelSet(("EMPLOYEE_ID", "PERSON"))
O, B_E, I_E, B_P, I_P = 0, 1, 2, 3, 4  # noqa: E741 - the BIO letter


def toks(text: str) -> tuple[list[tuple[int, int]], list[int | None]]:
    """A stand-in pre-tokenizer + word-piece splitter: words and punctuation, words longer than
    4 characters cut into 4-character pieces (so sub-words exist), each piece knowing its word."""
    offsets: list[tuple[int, int]] = []
    words: list[int | None] = []
    for w, m in enumerate(re.finditer(r"\w+|[^\w\s]", text)):
        for a in range(m.start(), m.end(), 4):
            offsets.append((a, min(a + 4, m.end())))
            words.append(w)
    return offsets, words


def test_label_set_order_and_ids() -> None:
    assert LS.labels == ["O", "B-EMPLOYEE_ID", "I-EMPLOYEE_ID", "B-PERSON", "I-PERSON"]
    assert LS.id2label[3] == "B-PERSON" and LS.label2id["I-EMPLOYEE_ID"] == 2
    assert [LS.type_of(i) for i in range(5)] == [
        ("O", None),
        ("B", "EMPLOYEE_ID"),
        ("I", "EMPLOYEE_ID"),
        ("B", "PERSON"),
        ("I", "PERSON"),
    ]


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # one word, one token
        ("emp E123456 ok", [("EMPLOYEE_ID", 4, 11)], [O, B_E, I_E, O]),  # "E123456" = "E123" "456"
        # two words of one entity: B then I across the space
        ("by Ann Lee.", [("PERSON", 3, 10)], [O, B_P, I_P, O]),
        # two adjacent entities of the same type stay two (B, B)
        ("Ann,Bo", [("PERSON", 0, 3), ("PERSON", 4, 6)], [B_P, O, B_P]),
        # a type the student does not learn is O
        ("mail a@b.io", [("EMAIL_ADDRESS", 5, 11)], [O, O, O, O, O, O]),
        # a span starting inside a token claims the token (the token must be redacted whole)
        ("idE123456", [("EMPLOYEE_ID", 2, 9)], [B_E, I_E, I_E]),
        # no spans
        ("nothing here", [], [O, O, O]),  # "noth" "ing" "here"
    ],
)
def test_bio_tags_table(text: str, spans: list[tuple[str, int, int]], expected: list[int]) -> None:
    offsets, _ = toks(text)
    assert bio_tags(offsets, [CharSpan(*s) for s in spans], LS) == expected


def test_bio_tags_skips_empty_offsets_and_overlaps_keep_earlier_span() -> None:
    offsets = [(0, 0), (0, 3), (4, 7), (0, 0)]  # specials have empty offsets
    spans = [CharSpan("PERSON", 0, 7), CharSpan("EMPLOYEE_ID", 4, 7)]
    assert bio_tags(offsets, spans, LS) == [O, B_P, I_P, O]


@pytest.mark.parametrize(
    ("n", "size", "overlap", "expected"),
    [
        (0, 10, 2, [(0, 0)]),
        (10, 10, 2, [(0, 10)]),
        (11, 10, 2, [(0, 10), (8, 11)]),
        (25, 10, 4, [(0, 10), (6, 16), (12, 22), (18, 25)]),
    ],
)
def test_windows(n: int, size: int, overlap: int, expected: list[tuple[int, int]]) -> None:
    assert [(w.start, w.end) for w in windows(n, size, overlap)] == expected


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (4, 4), (4, -1)])
def test_windows_rejects_bad_settings(size: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        windows(10, size, overlap)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 300), size=st.integers(2, 40), data=st.data())
def test_windows_cover_everything_and_best_window_is_inside(n: int, size: int, data: st.DataObject) -> None:
    overlap = data.draw(st.integers(0, size - 1))
    ws = windows(n, size, overlap)
    assert all(w.end - w.start <= size for w in ws)
    covered = [False] * n
    for a, b in zip(ws, ws[1:], strict=False):
        assert b.start == a.end - overlap
    for w in ws:
        for t in range(w.start, w.end):
            covered[t] = True
    assert all(covered)
    for t, (wi, pos) in enumerate(best_window(ws, n)):
        assert ws[wi].start + pos == t


def test_best_window_prefers_the_window_with_context_on_both_sides() -> None:
    ws = [Window(0, 10), Window(6, 16)]
    choice = best_window(ws, 16)
    assert choice[7] == (0, 7)  # 2 tokens of right context in window 0, 1 of left in window 1
    assert choice[9] == (1, 3)  # the last token of window 0 sits on its edge


@pytest.mark.parametrize(
    ("text", "pred", "expected"),
    [
        ("emp E123456 ok", [O, B_E, I_E, O], [("EMPLOYEE_ID", "E123456")]),
        # the model left a sub-word out: the span grows to the whole word
        ("emp E123456 ok", [O, B_E, O, O], [("EMPLOYEE_ID", "E123456")]),
        ("emp E123456 ok", [O, O, I_E, O], [("EMPLOYEE_ID", "E123456")]),
        # an I- without a B- starts a span; B- inside a word continues it
        ("by Ann Lee.", [O, I_P, I_P, O], [("PERSON", "Ann Lee")]),
        ("emp E123456", [O, B_E, B_E], [("EMPLOYEE_ID", "E123456")]),
        # B B across words: two mentions
        ("Ann Bo", [B_P, B_P], [("PERSON", "Ann"), ("PERSON", "Bo")]),
        # a type switch splits
        ("Ann E123", [B_P, B_E], [("PERSON", "Ann"), ("EMPLOYEE_ID", "E123")]),
        ("nothing", [O, O], []),
    ],
)
def test_decode_table(text: str, pred: list[int], expected: list[tuple[str, str]]) -> None:
    offsets, words = toks(text)
    assert len(pred) == len(offsets)
    got = decode(offsets, words, pred, [0.9] * len(pred), LS)
    assert [(s.type, text[s.start : s.end]) for s, _ in got] == expected


def test_decode_scores_are_the_mean_token_probability() -> None:
    offsets, words = toks("by Ann Lee.")
    [(span, p)] = decode(offsets, words, [O, B_P, I_P, O], [0.1, 0.9, 0.5, 0.2], LS)
    assert span == CharSpan("PERSON", 3, 10) and p == pytest.approx(0.7)


_WORD = st.text(alphabet="abcdefgh0123456789", min_size=1, max_size=11)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_WORD, st.sampled_from([None, "EMPLOYEE_ID", "PERSON"])), min_size=1, max_size=25))
def test_bio_round_trip_on_word_aligned_spans(words: list[tuple[str, str | None]]) -> None:
    """Labels made from word-aligned spans decode back to exactly those spans."""
    parts, spans, pos = [], [], 0
    for i, (w, t) in enumerate(words):
        if i:
            parts.append(" ")
            pos += 1
        if t is not None:
            # consecutive words of one type form one mention unless separated by ' | '
            if spans and spans[-1].type == t and spans[-1].end == pos - 1:
                spans[-1] = CharSpan(t, spans[-1].start, pos + len(w))
            else:
                spans.append(CharSpan(t, pos, pos + len(w)))
        parts.append(w)
        pos += len(w)
    text = "".join(parts)
    offsets, wids = toks(text)
    tags = bio_tags(offsets, spans, LS)
    got = [s for s, _ in decode(offsets, wids, tags, [1.0] * len(tags), LS)]
    assert got == spans
