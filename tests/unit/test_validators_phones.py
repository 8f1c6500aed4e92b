"""phone_shape: the ASCII path with C-level prechecks agrees with the plain regex rule."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.validators.phones import phone_shape

_EXT = re.compile(r"\s?(?:x|ext\.?|extension)\s?\d{1,5}$", re.IGNORECASE)


def _reference(value: str) -> bool:
    value = re.sub(r"^(?:00|011)[ .-]?(?=[1-9])", "", value)  # a dialling prefix is not counted
    d = re.sub(r"\D+", "", _EXT.sub("", value))
    return (
        7 <= len(d) <= 15
        and len(set(d)) > 2
        and re.fullmatch(r"\d+\.\d+", value) is None
        and re.search(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}", value) is None
        and re.search(r"(?:^|[^\d.])\d{1,3}(?:\.\d{1,3}){3}(?:$|[^\d.])", value) is None
    )


@given(st.text(alphabet="0123456789 +-./()xXeEtnsio\n\t", max_size=28))
@settings(max_examples=1000, deadline=None)
def test_phone_shape_equals_the_regex_rule(value: str) -> None:
    assert phone_shape(value) == _reference(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("+1 415-555-2671", True),
        ("(415) 555-2671 ext. 12", True),
        ("415 555 2671 x1234", True),
        ("2026-10-06 12", False),
        ("10.0.0.1 2345", False),
        ("1234.5678", False),
        ("1111111", False),
        ("１２３４５６７", True),  # fullwidth digits: the Unicode path
        # "00"/"011" instead of "+": 15 digits after the prefix are still a number
        ("0044 7911 123456", True),
        ("011 44 20 7946 0958", True),
        ("0049 30 901820 12345", True),
        ("0000 1234 5678 9012", False),  # no country code after the zeros: 16 digits
    ],
)
def test_phone_shape_table(value: str, ok: bool) -> None:
    assert phone_shape(value) is ok
