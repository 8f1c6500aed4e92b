"""The log generator: exact gold offsets, valid values, determinism."""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as std_iban
from stdnum import luhn

from workers.loggen import DECOY_TYPES, FORMATS, PII_TYPES, GoldDoc, generate


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), fmt=st.sampled_from(sorted(FORMATS)))
def test_gold_offsets_slice_out_the_values(seed: int, fmt: str) -> None:
    for doc in generate(3, seed=seed, formats=[fmt]):
        assert doc.spans, f"{fmt} produced no PII"
        for s in doc.spans + doc.decoys:
            assert 0 <= s.start < s.end <= len(doc.text)
            value = doc.text[s.start : s.end]
            assert value == value.strip(), f"gold value {value!r} has surrounding whitespace"
        spans = sorted(doc.spans + doc.decoys, key=lambda s: s.start)
        for a, b in zip(spans, spans[1:], strict=False):
            assert a.end <= b.start, f"overlapping gold spans in {doc.text!r}"
        assert all(s.type in PII_TYPES for s in doc.spans)
        assert all(d.type in DECOY_TYPES for d in doc.decoys)


def test_deterministic_and_prefix_stable() -> None:
    a = generate(40, seed=11)
    b = generate(40, seed=11)
    assert [d.model_dump() for d in a] == [d.model_dump() for d in b]
    assert [d.model_dump() for d in generate(10, seed=11)] == [d.model_dump() for d in a[:10]]
    assert [d.text for d in generate(10, seed=12)] != [d.text for d in a[:10]]


def test_every_format_and_type_is_produced() -> None:
    docs = generate(800, seed=5)
    assert {d.format for d in docs} == set(FORMATS)
    assert {s.type for d in docs for s in d.spans} == set(PII_TYPES)
    assert {s.type for d in docs for s in d.decoys} >= {"ORDER_ID", "UUID", "TIMESTAMP", "VERSION", "HEX_HASH", "PORT"}


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


@pytest.mark.parametrize(
    ("typ", "valid"),
    [
        ("CREDIT_CARD", lambda v: luhn.is_valid(_digits(v)) and 13 <= len(_digits(v)) <= 19),
        ("IBAN_CODE", lambda v: std_iban.is_valid(v)),
        (
            "US_SSN",
            lambda v: (
                len(v) == 11
                and v[3] == v[6] == "-"
                and v[:3] not in ("000", "666")
                and v[:1] != "9"
                and v[4:6] != "00"
                and v[7:] != "0000"
            ),
        ),
        ("IP_ADDRESS", lambda v: bool(ipaddress.ip_address(v))),
        # percent-decoded: a phone in a query string is URL-encoded
        ("PHONE_NUMBER", lambda v: phonenumbers.is_valid_number(phonenumbers.parse(unquote(v), "US"))),
        ("EMAIL_ADDRESS", lambda v: v.count("@") == 1 and "." in v.split("@")[1]),
        ("ACCESS_TOKEN", lambda v: v.count(".") == 2 or v.startswith("xoxb-") or len(v) >= 32),
    ],
)
def test_values_are_valid(typ: str, valid) -> None:
    seen = 0
    for doc in generate(600, seed=2):
        for t, v in doc.values():
            if t == typ:
                seen += 1
                assert valid(v), f"invalid {typ} {v!r}"
    assert seen >= 10


def test_decoys_are_not_valid_cards() -> None:
    for doc in generate(400, seed=9):
        for d in doc.decoys:
            v = doc.text[d.start : d.end]
            if d.type == "ORDER_ID" and v.isdigit():
                assert not luhn.is_valid(v)


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        generate(1, formats=["nope"])


def test_json_round_trip() -> None:
    doc = generate(1, seed=4)[0]
    assert GoldDoc.model_validate(doc.to_json()) == doc


def test_json_logs_are_json_and_values_match_fields() -> None:
    import json

    for doc in generate(60, seed=8, formats=["json"]):
        obj = json.loads(doc.text)
        flat = json.dumps(obj)
        for _, v in doc.values():
            assert v in flat
