"""Record keys and header values: laid out after the record's view in the same document, their
spans taken back out, and the key/headers to publish built from them (workers.stream.envelope)."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.models import Result, Span
from workers.redact import Redactor
from workers.stream.config import StreamSettings
from workers.stream.envelope import (
    HASH_CHARS,
    Envelope,
    document,
    keyed_digest,
    seal,
    split,
)
from workers.stream.ingest import Decoded, Inbound, decode
from workers.stream.output import annotation_hash
from workers.taxonomy import load_taxonomy

REDACTOR = Redactor(load_taxonomy())
HK = b"hash-key"
EMAIL = re.compile(r"[a-z]+@[a-z]+\.com")
SETTINGS = StreamSettings.load(input_topic="in")


def _dec(key: bytes | None, headers: list[tuple[str, Any]], value: bytes = b'{"id": "d", "text": "hi"}') -> Decoded:
    out = decode(Inbound("in", 0, 7, key, value, headers, None), SETTINGS)
    assert isinstance(out, Decoded)
    return out


def _detect(text: str) -> Result:
    """A stand-in detector: e-mail addresses anywhere in the document."""
    spans = [
        Span(start=m.start(), end=m.end(), type="EMAIL_ADDRESS", score=1.0, detector="t") for m in EMAIL.finditer(text)
    ]
    return Result(id="d", text=text, entities=spans, detectors=["t"])


def _run(dec: Decoded, policy: Any = "redact", include_values: bool = False):
    doc, env = document(dec, policy)
    own, tail = split(_detect(doc.text), env)
    return doc, env, own, seal(dec.record, env, tail, policy, REDACTOR, HK, doc.text, include_values)


def test_layout_puts_the_view_first_and_each_utf8_key_and_header_value_at_its_offsets():
    dec = _dec(b"bob@ex.com", [("a", b"x"), ("bin", b"\xff\x00"), ("empty", b""), ("none", None), ("c", b"y z")])
    doc, env = document(dec, "redact")
    assert doc.text.startswith(dec.parsed.view) and env.base == len(dec.parsed.view)
    assert [(p.field, doc.text[p.start : p.end]) for p in env.parts] == [
        ("$key", "bob@ex.com"),
        ("$headers.a", "x"),
        ("$headers.c", "y z"),
    ]
    # The key reads with a label, as an object key does: context for the rules.
    assert "\nkey: bob@ex.com\n" in doc.text


@pytest.mark.parametrize(
    ("policy", "key", "headers", "same_document"),
    [
        ("keep", b"bob@ex.com", [("h", b"bob@ex.com")], True),
        ("redact", None, [], True),
        ("redact", b"", [("h", b""), ("bin", b"\xfe")], True),
        ("hash", b"bob@ex.com", [], True),  # the key is hashed whole, never scanned
        ("hash", b"bob@ex.com", [("h", b"v")], False),
        ("redact", b"bob@ex.com", [], False),
    ],
)
def test_document_is_the_record_view_unless_there_is_something_to_scan(policy, key, headers, same_document):
    dec = _dec(key, headers)
    doc, env = document(dec, policy)
    assert (doc.text == dec.parsed.view) is same_document
    assert (env.parts == ()) is same_document


@pytest.mark.parametrize(
    ("key", "want"),
    [
        (b"bob@ex.com", "[EMAIL_ADDRESS:{h}]"),
        (b"user:bob@ex.com:7", "user:[EMAIL_ADDRESS:{h}]:7"),
        (b"user-42", "user-42"),  # nothing found: the key is kept, byte for byte
    ],
)
def test_key_entities_become_keyed_pseudonyms(key, want):
    _, _, _, sealed = _run(_dec(key, []))
    h = annotation_hash(HK, "bob@ex.com", "EMAIL_ADDRESS")[:HASH_CHARS]
    assert sealed.key == want.format(h=h).encode()


def test_key_and_header_entities_are_annotated_by_field_without_the_value():
    _, _, own, sealed = _run(_dec(b"k:bob@ex.com", [("user", b"to ann@ex.com"), ("trace", b"t1")]))
    assert own.entities == []  # the value had none
    assert sealed.headers == [("user", b"to [EMAIL_ADDRESS]"), ("trace", b"t1")]
    assert sealed.entities == [
        {
            "type": "EMAIL_ADDRESS",
            "start": 2,
            "end": 12,
            "score": 1.0,
            "detector": "t",
            "field": "$key",
            "value_hash": annotation_hash(HK, "bob@ex.com", "EMAIL_ADDRESS"),
        },
        {
            "type": "EMAIL_ADDRESS",
            "start": 3,
            "end": 13,
            "score": 1.0,
            "detector": "t",
            "field": "$headers.user",
            "value_hash": annotation_hash(HK, "ann@ex.com", "EMAIL_ADDRESS"),
        },
    ]
    assert b"bob@ex.com" not in orjson.dumps(sealed.entities)
    _, _, _, with_values = _run(_dec(b"bob@ex.com", []), include_values=True)
    assert with_values.entities[0]["value"] == "bob@ex.com"


@pytest.mark.parametrize("policy", ["redact", "hash"])
def test_values_that_are_not_utf8_are_replaced_by_their_keyed_hash(policy):
    key, header = b"\xffbob@ex.com", b"\xc3\x28"
    _, _, _, sealed = _run(_dec(key, [("h", header), ("ok", b"fine")]), policy)
    assert sealed.key == keyed_digest(HK, "$key", key)
    assert sealed.headers == [("h", keyed_digest(HK, "$headers.h", header)), ("ok", b"fine")]
    assert len(sealed.key) == HASH_CHARS and sealed.key != keyed_digest(b"other-key", "$key", key)


def test_hash_policy_hashes_every_key_and_still_redacts_headers():
    _, env, _, sealed = _run(_dec(b"user-42", [("u", b"bob@ex.com")]), "hash")
    assert [p.field for p in env.parts] == ["$headers.u"]
    assert sealed.key == keyed_digest(HK, "$key", b"user-42")
    assert sealed.headers == [("u", b"[EMAIL_ADDRESS]")]


def test_keep_policy_passes_key_and_headers_unchanged():
    dec = _dec(b"bob@ex.com", [("u", b"ann@ex.com"), ("bin", b"\xff")])
    _, _, _, sealed = _run(dec, "keep")
    assert sealed.key == b"bob@ex.com" and sealed.headers is dec.record.headers and sealed.entities == []


def test_a_span_crossing_from_the_view_into_the_envelope_is_cut_not_dropped():
    env = Envelope(base=10, parts=document(_dec(b"kk", []), "redact")[1].parts)
    spans = [
        Span(start=2, end=4, type="A", score=0.5, detector="t"),
        Span(start=8, end=14, type="B", score=1, detector="t"),
    ]
    own, tail = split(Result(id="d", text="", entities=spans, detectors=["t"]), env)
    assert [(s.start, s.end, s.type) for s in own.entities] == [(2, 4, "A"), (8, 10, "B")]
    assert [(s.start, s.end, s.type) for s in tail] == [(10, 14, "B")]


def test_plain_text_value_is_redacted_as_without_the_envelope():
    from workers.record_output import redact_record

    dec = _dec(b"bob@ex.com", [("u", b"x")], value=b"plain text, no entity")
    doc, env, own, _ = _run(dec)
    red = redact_record(dec.parsed, own, REDACTOR)
    assert red.text == "plain text, no entity" and red.entities == []


_text = st.lists(
    st.sampled_from(["bob@ex.com", "ann@ex.com", "bob", "@", ".com", " ", ":", "\n", "é", "-"]), max_size=8
).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    key=st.one_of(st.none(), _text.map(str.encode), st.binary(max_size=8)),
    headers=st.lists(
        st.tuples(st.sampled_from(["u", "v", "x-id"]), st.one_of(_text.map(str.encode), st.binary(max_size=6))),
        max_size=4,
    ),
    value=_text,
)
def test_nothing_found_in_key_or_headers_is_published_and_equal_inputs_give_equal_outputs(key, headers, value):
    """Whatever the detector finds in the key or a header value never reaches the output, every
    UTF-8 part is where the layout says, and the output key is a function of the input key alone."""
    dec = _dec(key, headers, value=orjson.dumps({"id": "d", "text": value + " ok"}))
    doc, env, own, sealed = _run(dec)
    assert all(s.end <= env.base for s in own.entities)
    for p in env.parts:
        raw = key if p.header is None else headers[p.header][1]
        assert doc.text[p.start : p.end].encode() == raw
    published = [sealed.key or b""] + [v for _, v in sealed.headers if isinstance(v, bytes)]
    for out in published:
        assert EMAIL.search(out.decode("utf-8")) is None  # all UTF-8: what was not got hashed
    assert [n for n, _ in sealed.headers] == [n for n, _ in headers]
    again = _run(_dec(key, [], value=b"other text"))[3]
    assert again.key == sealed.key
