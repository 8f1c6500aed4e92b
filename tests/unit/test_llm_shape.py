"""Mention shape checks from the taxonomy (mention_pattern, proper_noun). Pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.detect.shape import ShapeCheck, capitalised, uses_capitals
from workers.taxonomy import load_taxonomy

CHECK = ShapeCheck(load_taxonomy().llm_entities())


@pytest.mark.parametrize(
    "type_, mention, cased, ok",
    [
        ("PERSON", "Maria Gonzalez", True, True),
        ("PERSON", "Ludwig van Beethoven", True, True),
        ("PERSON", "Faina D. Yefremova", True, True),
        ("PERSON", "O'Brien", True, True),
        ("PERSON", "山田太郎", True, True),  # uncased script
        ("PERSON", "idea", True, False),
        ("PERSON", "my brother", True, False),
        ("PERSON", "Excuse me", True, False),
        ("PERSON", "the", True, False),
        ("PERSON", "eva kleist", False, True),  # an all-lower-case text: case says nothing
        ("LOCATION", "Stratford upon Avon", True, True),
        ("LOCATION", "website", True, False),
        ("DATE_OF_BIRTH", "March 3, 1961", True, True),
        ("DATE_OF_BIRTH", "next week", True, False),
        ("DATE_OF_BIRTH", "2026-05-22T20:45:10.301131Z", True, False),  # a log timestamp
        ("DATE_OF_BIRTH", "07/Aug/2026:10:26:59 +0000", True, False),
        ("STREET_ADDRESS", "221B Baker Street", True, True),
        ("STREET_ADDRESS", "Carry Me Back To Canada", True, False),
        ("PASSWORD", "Hunter2!", True, True),
        ("PASSWORD", "credit card pin", True, False),
        ("USERNAME", "alice_w", True, True),
        ("USERNAME", "Vilma Holm", True, False),
        ("MEDICAL_RECORD_NUMBER", "stomach pain", True, False),
        ("MEDICAL_RECORD_NUMBER", "00123456", True, True),
    ],
)
def test_shapes(type_, mention, cased, ok):
    assert CHECK.ok(type_, mention, cased_text=cased) is ok


def test_uses_capitals():
    assert uses_capitals("ERROR user bob") and not uses_capitals("follow up with eva kleist")


@given(st.text(max_size=40))
def test_proper_noun_never_rejects_in_uncased_text(s):
    # PERSON has no mention_pattern, so in a text without capitals every mention passes.
    assert CHECK.ok("PERSON", s, cased_text=False)


@given(st.lists(st.sampled_from(["Ann", "Lee", "van", "de", "O'Neil", "José"]), min_size=1, max_size=4))
def test_capitalised_names_with_particles_pass(words):
    assert capitalised(" ".join(words)) is any(w[0].isupper() for w in words)
