"""Partial rules for PERSON and LOCATION: names after a courtesy title, country names."""

from __future__ import annotations

import pytest

from workers.detect.rules import RulesDetector
from workers.taxonomy import load_taxonomy

RULES = RulesDetector(load_taxonomy(None))


def found(text: str) -> set[tuple[str, str]]:
    return {(text[s.start : s.end], s.type) for s in RULES.detect_one(text)}


@pytest.mark.parametrize(
    ("text", "value", "etype"),
    [
        ("Mr. Leiva flew to Oslo on Tuesday", "Leiva", "PERSON"),
        ("For my take on Dr. Wells, see the notes", "Wells", "PERSON"),
        ("ticket escalated by Mrs Schwarz today", "Schwarz", "PERSON"),
        ("assigned to Ms. Ann Jones", "Ann Jones", "PERSON"),
        ("Prof. J. Okafor signed the form", "J. Okafor", "PERSON"),
        ("Mr. Pavlović called", "Pavlović", "PERSON"),
        ("Dr. Émile Zola was admitted", "Émile Zola", "PERSON"),
        ("I will be travelling to Canada next week", "Canada", "LOCATION"),
        ("Who's coming to Czech Republic with me?", "Czech Republic", "LOCATION"),
        ("shipping country=GERMANY zone=3", "GERMANY", "LOCATION"),
        ("born in Côte d'Ivoire, lives in South Africa", "Côte d'Ivoire", "LOCATION"),
        ("born in Côte d'Ivoire, lives in South Africa", "South Africa", "LOCATION"),
        ("moved from the United States of America", "United States of America", "LOCATION"),
    ],
)
def test_detected(text: str, value: str, etype: str) -> None:
    assert (value, etype) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "123 Maple Dr. Suite 5, Springfield",  # a street suffix, then an address word
        "ms. jones called",  # no capital: not a title followed by a name
        "Chad said the build is green",  # a given name, not the country
        "canada goose jacket in stock",  # lower case
        "NewCanada-Store opened",  # glued into a larger token
        "Dr.Who episode list",  # no space after the title
    ],
)
def test_not_detected(text: str) -> None:
    assert not {v for v, t in found(text) if t in ("PERSON", "LOCATION")}


def test_partial_rules_do_not_make_their_types_covered() -> None:
    """The LLM router asks about types no earlier tier covers: titled names and country names are
    only some of the PERSON and LOCATION mentions, so the rules tier does not cover those types."""
    assert "PERSON" not in RULES.entity_types and "LOCATION" not in RULES.entity_types
    assert "EMAIL_ADDRESS" in RULES.entity_types and "CREDIT_CARD" in RULES.entity_types
