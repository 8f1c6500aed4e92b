"""MatchEngine: the hyperscan prefilter with exact hint patterns in the same pass."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.engine import MatchEngine
from workers.detect.normalize import VIEW_HINTS
from workers.detect.phone_columns import PHONE_HINT as _PHONE_HINT

HINTS = [*VIEW_HINTS, (_PHONE_HINT.pattern, True)]
ENGINE = MatchEngine([r"\b\d{3}-\d{2}-\d{4}\b", r"[a-z]+@[a-z]+\.com"], hints=HINTS)
PY_HINTS = [re.compile(h, re.IGNORECASE if ic else 0) for h, ic in HINTS]

# Pieces that make the hints fire or nearly fire, glued with ASCII noise.
PIECES = st.sampled_from(
    [
        "%40",
        "%4",
        "&#64;",
        "&amp;",
        "&x;",
        "\\u0040",
        "\\x4",
        " at ",
        " AT ",
        "[dot]",
        "[.]",
        "( @ )",
        "{:",
        "( At )",
        "@ ",
        " @",
        "@",
        "Phone",
        "TEL",
        "hotel",
        "mobile",
        "msisdn",
        "fAx",
        "123-45-6789",
        "a@b.com",
        "\t",
        "\n",
    ]
)
ASCII_DOC = st.lists(
    st.one_of(PIECES, st.text(alphabet=st.characters(max_codepoint=127), max_size=8)), max_size=10
).map("".join)


def _mask(text: str) -> int:
    return sum(1 << k for k, rx in enumerate(PY_HINTS) if rx.search(text))


@given(ASCII_DOC)
@settings(max_examples=300, deadline=None)
def test_hint_mask_equals_the_regex_searches_on_ascii_text(text: str) -> None:
    assert ENGINE.scan_bytes(text.encode())[1] == _mask(text)


@given(ASCII_DOC)
@settings(max_examples=200, deadline=None)
def test_hints_do_not_change_the_candidates(text: str) -> None:
    plain = MatchEngine([r"\b\d{3}-\d{2}-\d{4}\b", r"[a-z]+@[a-z]+\.com"])
    assert ENGINE.candidates(text) == plain.candidates(text)
    assert ENGINE.scan_bytes(text.encode())[0] == plain.candidates(text)


@pytest.mark.parametrize(
    ("text", "pids", "mask"),
    [
        ("", [], 0),
        ("ssn 123-45-6789", [0], 0),
        ("mail a%40b.com", [], 0b001),
        # bits: escape, spelled form, defanged punctuation (normalize.VIEW_HINTS), then phone
        ("mail a [at] b.com phone 1", [], 0b1010),
        ("x@y.com, tel", [1], 0b1000),
        ("ioc 10[.]0(.)0.1", [], 0b0100),
    ],
)
def test_scan_bytes_table(text: str, pids: list[int], mask: int) -> None:
    assert ENGINE.scan_bytes(text.encode()) == (pids, mask)


def test_a_hint_hyperscan_cannot_compile_is_always_reported() -> None:
    # A backreference compiles in neither engine's exact mode: reported present, never missed.
    eng = MatchEngine([r"abc"], hints=[(r"(a)\1", False), (r"zz", False)])
    assert eng.scan_bytes(b"abc") == ([0], 0b01)
    assert eng.scan_bytes(b"zz") == ([], 0b11)
