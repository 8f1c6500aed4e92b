"""Security-log formats of the generator: exact gold, opt-in only, the default mix untouched."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.cli import main
from workers.loggen import (
    DECOY_TYPES,
    FORMAT_GROUPS,
    FORMATS,
    PII_TYPES,
    SECURITY,
    SECURITY_FORMATS,
    SECURITY_HELD_OUT,
    SECURITY_HELD_OUT_2,
    SECURITY_HELD_OUT_3,
    SECURITY_TUNED,
    expand_formats,
    generate,
)

# sha256 of the JSONL of generate(200, seed=7), computed from the code at 1d1e40b (before the
# security formats existed); benches and tests depend on the default corpus staying the same.
# It also depends on Faker's data: the pinned test extra.
DEFAULT_SEED7_DIGEST = "d7f164bd68caaf325dc777c2843b629f2bc815bcf1a79014afe3b49a44db9f94"


def test_default_mix_is_unchanged() -> None:
    h = hashlib.sha256()
    for doc in generate(200, seed=7):
        h.update(orjson.dumps(doc.to_json()) + b"\n")
    assert h.hexdigest() == DEFAULT_SEED7_DIGEST


def test_security_formats_are_opt_in() -> None:
    assert not set(SECURITY) & set(FORMATS)
    assert {d.format for d in generate(300, seed=3)} <= set(FORMATS)
    assert expand_formats(None) == list(FORMATS)
    assert expand_formats(["security"]) == list(SECURITY_FORMATS)
    assert expand_formats(["sshd", "security-heldout", "duo"]) == ["sshd", *SECURITY_HELD_OUT]
    assert set(SECURITY_TUNED) | set(SECURITY_HELD_OUT) == set(SECURITY_FORMATS)
    assert not set(SECURITY_TUNED) & set(SECURITY_HELD_OUT)
    assert set(FORMAT_GROUPS) == {"security", "security-tuned", "security-heldout", "security-heldout2"}


def test_round_three_groups() -> None:
    # round 2's held-out formats are tuned now; round 3's new formats are the held-out group
    assert SECURITY_HELD_OUT == SECURITY_HELD_OUT_3
    assert set(SECURITY_HELD_OUT_2) <= set(SECURITY_TUNED)
    assert not set(SECURITY_HELD_OUT_2) & set(SECURITY_HELD_OUT_3)
    assert expand_formats(["security-heldout2"]) == list(SECURITY_HELD_OUT_2)
    with pytest.raises(ValueError, match="unknown format"):
        generate(1, formats=["security-all"])


# A gold value covers its whole token: the characters either side end a token in every layout.
_TOKEN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), fmt=st.sampled_from(SECURITY_FORMATS))
def test_security_gold_spans_cover_exactly_their_values(seed: int, fmt: str) -> None:
    for doc in generate(4, seed=seed, formats=[fmt]):
        assert doc.format == fmt
        marks = sorted(doc.spans + doc.decoys, key=lambda s: s.start)
        for a, b in zip(marks, marks[1:], strict=False):
            assert a.end <= b.start, f"overlapping gold in {doc.text!r}"
        for s in marks:
            value = doc.text[s.start : s.end]
            assert value and value == value.strip()
            before = doc.text[s.start - 1] if s.start else " "
            after = doc.text[s.end] if s.end < len(doc.text) else " "
            assert before not in _TOKEN and after not in _TOKEN, f"{s.type} {value!r} cut from {doc.text!r}"
        assert all(s.type in PII_TYPES for s in doc.spans)
        assert all(d.type in DECOY_TYPES for d in doc.decoys)


@pytest.mark.parametrize(
    ("typ", "valid"),
    [
        ("IP_ADDRESS", lambda v: bool(ipaddress.ip_address(v))),
        ("EMAIL_ADDRESS", lambda v: v.count("@") == 1 and "." in v.split("@")[1]),
        ("USERNAME", lambda v: v.replace(".", "").replace("_", "").isalnum()),
        ("PERSON", lambda v: len(v.split()) >= 2 and v.replace(" ", "").replace("-", "").isalpha()),
        ("API_KEY", lambda v: v.startswith("AKIA") and len(v) == 20),
    ],
)
def test_security_values_are_well_formed(typ: str, valid) -> None:
    seen = 0
    for doc in generate(600, seed=2, formats=["security"]):
        for t, v in doc.values():
            if t == typ:
                seen += 1
                assert valid(v), f"bad {typ} {v!r}"
    assert seen >= 5


def test_every_security_format_produces_pii_and_decoys() -> None:
    docs = generate(600, seed=5, formats=["security"])
    assert {d.format for d in docs} == set(SECURITY_FORMATS)
    for fmt in SECURITY_FORMATS:
        mine = [d for d in docs if d.format == fmt]
        assert sum(len(d.spans) for d in mine) > len(mine) // 2, fmt
    kinds = {d.type for doc in docs for d in doc.decoys}
    assert {"NON_PERSONAL", "RESOURCE_ID", "PORT", "UUID", "HEX_HASH"} <= kinds


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


@pytest.mark.parametrize("fmt", ["cloudtrail", "okta", "suricata", "azuread", "winsec", "k8saudit", "ghaudit", "duo"])
def test_structured_formats_parse_and_values_sit_in_fields(fmt: str) -> None:
    parsed = 0
    for doc in generate(60, seed=8, formats=[fmt]):
        if doc.text.startswith("{"):
            # a JSON event, possibly followed by plain lines of another log (Duo's proxy)
            event, _, rest = doc.text.partition("\n")
            fields = [*_strings(json.loads(event)), rest]
        elif doc.text.startswith("<Event"):
            fields = [e.text or "" for e in ET.fromstring(doc.text).iter()]
        else:
            continue
        parsed += 1
        for _, v in doc.values():
            assert any(v in f for f in fields), f"{v!r} not inside a field of {doc.text!r}"
    assert parsed >= 20


def test_cli_gen_security_group(tmp_path: Path) -> None:
    out = tmp_path / "sec.jsonl"
    assert main(["gen", "--n", "40", "--seed", "1", "--format", "security", "-o", str(out)]) == 0
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 40
    assert {d["format"] for d in docs} <= set(SECURITY_FORMATS)
    assert [d["text"] for d in docs] == [d.text for d in generate(40, seed=1, formats=list(SECURITY_FORMATS))]
