"""Joining address parts into one STREET_ADDRESS span (pure)."""

from __future__ import annotations

import pytest

from workers.detect.llm.address import join_address_parts
from workers.models import Span


def span(text: str, value: str, type_: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(value, start + 1)
    return Span(start=start, end=start + len(value), type=type_, score=0.8, detector="llm")


def joined(text: str, *parts: tuple[str, str]) -> list[tuple[str, str]]:
    spans = [span(text, v, t) for t, v in parts]
    return [(s.type, text[s.start : s.end]) for s in join_address_parts(text, spans)]


@pytest.mark.parametrize(
    "text, parts, expected",
    [
        # City and country lines after the street become part of the address, with the postal code.
        (
            "Koskikatu 25 Apt. 864\nArtilleros\n, CO\n Uruguay 64677 is mine",
            [("STREET_ADDRESS", "Koskikatu 25 Apt. 864"), ("LOCATION", "Artilleros"), ("LOCATION", "Uruguay")],
            [("STREET_ADDRESS", "Koskikatu 25 Apt. 864\nArtilleros\n, CO\n Uruguay 64677")],
        ),
        # A unit on the next line and a UK postcode.
        (
            "ship to 221B Baker Street\nFlat 2, London NW1 6XE today",
            [("STREET_ADDRESS", "221B Baker Street"), ("LOCATION", "London")],
            [("STREET_ADDRESS", "221B Baker Street\nFlat 2, London NW1 6XE")],
        ),
        (
            "Rissik St 12, Suite 464, Coalville, UT 84017.",
            [("STREET_ADDRESS", "Rissik St 12"), ("LOCATION", "Coalville")],
            [("STREET_ADDRESS", "Rissik St 12, Suite 464, Coalville, UT 84017")],
        ),
        # A location elsewhere in the sentence stays a LOCATION; lower-case words stop the join.
        (
            "lives at 5 Elm Rd in Oslo",
            [("STREET_ADDRESS", "5 Elm Rd"), ("LOCATION", "Oslo")],
            [("STREET_ADDRESS", "5 Elm Rd"), ("LOCATION", "Oslo")],
        ),
        # More than two line breaks: a new paragraph, not the same address.
        (
            "5 Elm Rd\n\n\nOslo",
            [("STREET_ADDRESS", "5 Elm Rd"), ("LOCATION", "Oslo")],
            [("STREET_ADDRESS", "5 Elm Rd"), ("LOCATION", "Oslo")],
        ),
        # Without an address nothing changes.
        (
            "from Lyon to Montreal",
            [("LOCATION", "Lyon"), ("LOCATION", "Montreal")],
            [("LOCATION", "Lyon"), ("LOCATION", "Montreal")],
        ),
        (
            "Anna, 5 Elm Rd",
            [("PERSON", "Anna"), ("STREET_ADDRESS", "5 Elm Rd")],
            [("PERSON", "Anna"), ("STREET_ADDRESS", "5 Elm Rd")],
        ),
    ],
)
def test_address_parts_join(text, parts, expected):
    assert joined(text, *parts) == expected


def test_join_keeps_offsets_inside_the_text_and_never_shrinks_a_span():
    text = "x 5 Elm Rd, NY"
    [s] = join_address_parts(text, [span(text, "5 Elm Rd", "STREET_ADDRESS")])
    assert (s.start, s.end) == (2, len(text)) and s.detector == "llm"
