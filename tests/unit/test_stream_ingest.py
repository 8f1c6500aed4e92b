"""Decoding records into pipeline units, and encoding the three kinds of output."""

from __future__ import annotations

import orjson
import pytest

from workers.models import Failure, Result, Span
from workers.redact import Redactor, value_hash
from workers.stream.config import StreamSettings
from workers.stream.ingest import Decoded, Inbound, decode
from workers.stream.output import (
    annotations_value,
    dead_letter_headers,
    parse_dead_letter_headers,
    redact,
    redacted_value,
)
from workers.taxonomy import load_taxonomy

REDACTOR = Redactor(load_taxonomy())


def rec(value: bytes | None, key: bytes | None = b"k", headers=None, offset: int = 7) -> Inbound:
    return Inbound("in", 2, offset, key, value, headers or [("trace", b"abc")], 1_000)


def settings(**kw) -> StreamSettings:
    return StreamSettings.load(input_topic="in", **kw)


@pytest.mark.parametrize(
    ("value", "error_class"),
    [
        (None, "EmptyRecord"),
        (b"\xff\xfe{", "InvalidUtf8"),
        (b'{"id": "a", "text": ', "InvalidJson"),
        (b"[1, 2]", "InvalidDocument"),
        (b'{"text": "hello"}', "MissingField"),
        (b'{"id": "a"}', "MissingField"),
        (b'{"id": "a", "text": 5}', "InvalidField"),
        (b'{"id": ["a"], "text": "x"}', "InvalidField"),
        (b'{"id": true, "text": "x"}', "InvalidField"),
        (b'{"id": "", "text": "x"}', "InvalidField"),
        (b"   ", "EmptyRecord"),
    ],
)
def test_poison_records_become_ingest_failures(value, error_class):
    out = decode(rec(value), settings())
    assert isinstance(out, Failure)
    assert out.stage == "ingest"
    assert out.error_class == error_class
    assert out.message


def test_oversized_document_is_rejected_before_parsing():
    out = decode(rec(b'{"id": "a", "text": "' + b"x" * 200 + b'"}'), settings(max_document_bytes=100))
    assert isinstance(out, Failure) and out.error_class == "DocumentTooLarge"


def test_plain_text_gets_coordinates_as_id():
    out = decode(rec(b"user bob@example.com logged in"), settings())
    assert isinstance(out, Decoded)
    assert out.doc_id == "in/2/7"
    assert out.parsed.body is None and out.parsed.view == "user bob@example.com logged in"
    assert [f.path for f in out.parsed.fields] == [None]


def test_json_mode_rejects_plain_text_and_text_mode_accepts_braces():
    assert isinstance(decode(rec(b"plain"), settings(input_format="json")), Failure)
    out = decode(rec(b"{not json"), settings(input_format="text"))
    assert isinstance(out, Decoded) and out.parsed.view == "{not json"


def test_integer_id_and_configurable_field_names():
    out = decode(rec(b'{"doc": 42, "body": "hi"}'), settings(id_field="doc", text_field="body"))
    assert isinstance(out, Decoded) and out.doc_id == "42" and out.parsed.view == "hi\ndoc: 42\n"


def test_structured_log_names_fields_but_every_string_is_scanned():
    value = orjson.dumps({"level": "info", "message": "mail a@b.co", "user": {"email": "a@b.co", "n": 3}})
    out = decode(rec(value), settings(redact_fields="message,user.email,user.absent"))
    assert isinstance(out, Decoded)
    assert out.doc_id == "in/2/7"  # no id field: coordinates
    # Numbers are scanned too (a card sent as a JSON number): user.n is a field of the view; so
    # is every key (`~`: the key itself), nested objects' keys included.
    assert [f.path for f in out.parsed.fields] == [
        "level~",
        "level",
        "message~",
        "message",
        "user~",
        "user.email~",
        "user.email",
        "user.n~",
        "user.n",
    ]


def test_structured_log_named_field_holding_a_number_is_a_failure():
    out = decode(rec(orjson.dumps({"message": 12})), settings(redact_fields=["message"]))
    assert isinstance(out, Failure) and out.error_class == "InvalidField"
    # An object under a named field is text too: its strings are scanned.
    out = decode(rec(orjson.dumps({"message": {"body": "x"}})), settings(redact_fields=["message"]))
    assert isinstance(out, Decoded) and [f.path for f in out.parsed.fields] == [
        "message~",
        "message.body~",
        "message.body",
    ]


def _publish(value: bytes, spans: list[tuple[str, str]], degraded: bool = False, **kw):
    """Decode, 'detect' the given (type, substring) pairs in the view, and build both outputs."""
    dec = decode(rec(value), settings(**kw))
    assert isinstance(dec, Decoded)
    view = dec.parsed.view
    found = [
        Span(start=view.index(v), end=view.index(v) + len(v), type=t, score=0.9, detector="rules") for t, v in spans
    ]
    res = Result(id=dec.doc_id, text="(unused)", entities=found, detectors=["rules"], degraded=degraded)
    red = redact(dec, res, REDACTOR)
    return dec, red, res


def test_redacted_json_keeps_other_fields_and_adds_metadata():
    dec, red, res = _publish(orjson.dumps({"id": "d1", "text": "call 555", "level": "warn"}), [("US_SSN", "555")])
    out = orjson.loads(redacted_value(dec, red, res, "v3", ["rules"]))
    assert out["text"] == "call [US_SSN]" and out["level"] == "warn" and out["id"] == "d1"
    assert out["_pii"] == {
        "source": {"topic": "in", "partition": 2, "offset": 7},
        "taxonomy_version": "v3",
        "detectors": ["rules"],
        "degraded": False,
    }


def test_redacted_plain_text_is_wrapped_as_json():
    dec, red, res = _publish(b"call 555", [], degraded=True)
    out = orjson.loads(redacted_value(dec, red, res, "v3", ["rules"]))
    assert out["id"] == "in/2/7" and out["text"] == "call 555" and out["_pii"]["degraded"] is True


def test_structured_log_redacts_nested_fields_in_place():
    value = orjson.dumps({"message": "to a@b.co", "user": {"email": "a@b.co", "id": 9}, "ts": 1})
    dec, red, res = _publish(
        value, [("EMAIL_ADDRESS", "to a@b.co"[3:]), ("EMAIL_ADDRESS", "email: a@b.co")], redact_fields=["message"]
    )
    out = orjson.loads(redacted_value(dec, red, res, "v", ["rules"]))
    # Keys are scanned too: the span that began on the key name redacts the key and the value.
    assert out["message"] == "to [EMAIL_ADDRESS]" and out["user"] == {"[EMAIL_ADDRESS]": "[EMAIL_ADDRESS]", "id": 9}
    assert out["ts"] == 1
    raw = annotations_value(dec, red, "v", b"key")
    ann = orjson.loads(raw)
    # The span is split at the separator; offsets are into each field; paths name output keys.
    assert [(e["field"], e["start"], e["end"]) for e in ann["entities"]] == [
        ("message", 3, 9),
        ('user["[EMAIL_ADDRESS]"]~', 0, 5),
        ('user["[EMAIL_ADDRESS]"]', 0, 6),
    ]
    assert b"a@b.co" not in raw


def test_annotations_hash_values_with_the_key_and_never_carry_raw_values_by_default():
    value = b'{"id": "d", "text": "mail a@b.co now"}'
    dec, red, _ = _publish(value, [("EMAIL_ADDRESS", "a@b.co")])
    raw = annotations_value(dec, red, "v1", b"k1")
    ann = orjson.loads(raw)
    assert b"a@b.co" not in raw
    assert ann["id"] == "d" and ann["taxonomy_version"] == "v1"
    assert ann["entities"] == [
        {
            "type": "EMAIL_ADDRESS",
            "start": 5,
            "end": 11,
            "score": 0.9,
            "field": "text",
            "detector": "rules",
            "value_hash": value_hash(b"k1", "a@b.co", "EMAIL_ADDRESS"),
        }
    ]
    assert (
        ann["entities"][0]["value_hash"]
        != orjson.loads(annotations_value(dec, red, "v1", b"k2"))["entities"][0]["value_hash"]
    )
    with_values = orjson.loads(annotations_value(dec, red, "v1", b"k1", include_values=True))
    assert with_values["entities"][0]["value"] == "a@b.co"


def test_oversized_record_goes_to_the_dead_letter_path_whole():
    big = orjson.dumps({"id": "a", "text": "bob@example.org " * 100})
    out = decode(rec(big), settings(max_document_bytes=len(big) - 1))
    assert isinstance(out, Failure) and out.error_class == "DocumentTooLarge"
    assert "limit is" in out.message and b"bob" not in out.message.encode()
    assert isinstance(decode(rec(big), settings(max_document_bytes=len(big))), Decoded)


def test_dead_letter_headers_keep_originals_and_say_why():
    r = rec(b"\xff", headers=[("trace", b"abc"), ("pii.dlq.stage", b"old")])
    hdrs = dead_letter_headers(r, Failure(id=None, stage="ingest", error_class="InvalidUtf8", message="bad byte"))
    assert ("trace", b"abc") in hdrs
    meta = parse_dead_letter_headers(hdrs)
    assert meta == {
        "stage": "ingest",
        "error_class": "InvalidUtf8",
        "message": "bad byte",
        "source_topic": "in",
        "source_partition": "2",
        "source_offset": "7",
    }
    assert sum(1 for k, _ in hdrs if k == "pii.dlq.stage") == 1
