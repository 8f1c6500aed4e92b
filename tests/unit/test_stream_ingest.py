"""Decoding records into pipeline units, and encoding the three kinds of output."""

from __future__ import annotations

import orjson
import pytest

from workers.models import Failure, Result, Span
from workers.redact import value_hash
from workers.stream.config import StreamSettings
from workers.stream.ingest import Decoded, Inbound, decode
from workers.stream.output import (
    annotations_value,
    dead_letter_headers,
    parse_dead_letter_headers,
    redacted_value,
)


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
    assert out.body is None and out.units == [(None, "user bob@example.com logged in")]


def test_json_mode_rejects_plain_text_and_text_mode_accepts_braces():
    assert isinstance(decode(rec(b"plain"), settings(input_format="json")), Failure)
    out = decode(rec(b"{not json"), settings(input_format="text"))
    assert isinstance(out, Decoded) and out.units == [(None, "{not json")]


def test_integer_id_and_configurable_field_names():
    out = decode(rec(b'{"doc": 42, "body": "hi"}'), settings(id_field="doc", text_field="body"))
    assert isinstance(out, Decoded) and out.doc_id == "42" and out.units == [("body", "hi")]


def test_structured_log_units_are_the_named_fields_only():
    value = orjson.dumps({"level": "info", "message": "mail a@b.co", "user": {"email": "a@b.co", "n": 3}})
    out = decode(rec(value), settings(redact_fields="message,user.email,user.absent"))
    assert isinstance(out, Decoded)
    assert out.doc_id == "in/2/7"  # no id field: coordinates
    assert out.units == [("message", "mail a@b.co"), ("user.email", "a@b.co")]


def test_structured_log_non_string_field_is_a_failure():
    value = orjson.dumps({"message": {"nested": 1}})
    out = decode(rec(value), settings(redact_fields=["message"]))
    assert isinstance(out, Failure) and out.error_class == "InvalidField"


def _result(text: str, redacted: str, spans: list[Span], degraded: bool = False) -> Result:
    return Result(id="x", text=redacted, entities=spans, detectors=["rules"], degraded=degraded)


def test_redacted_json_keeps_other_fields_and_adds_metadata():
    value = orjson.dumps({"id": "d1", "text": "call 555", "level": "warn"})
    dec = decode(rec(value), settings())
    res = _result("call 555", "call [PHONE]", [Span(start=5, end=8, type="PHONE_NUMBER", score=0.9, detector="rules")])
    out = orjson.loads(redacted_value(dec, [res], "v3", ["rules"]))
    assert out["text"] == "call [PHONE]" and out["level"] == "warn" and out["id"] == "d1"
    assert out["_pii"] == {"source": {"topic": "in", "partition": 2, "offset": 7}, "taxonomy_version": "v3",
                           "detectors": ["rules"], "degraded": False}


def test_redacted_plain_text_is_wrapped_as_json():
    dec = decode(rec(b"call 555"), settings())
    out = orjson.loads(redacted_value(dec, [_result("call 555", "call [P]", [], degraded=True)], "v3", ["rules"]))
    assert out["id"] == "in/2/7" and out["text"] == "call [P]" and out["_pii"]["degraded"] is True


def test_structured_log_redacts_nested_fields_in_place():
    value = orjson.dumps({"message": "to a@b.co", "user": {"email": "a@b.co", "id": 9}, "ts": 1})
    dec = decode(rec(value), settings(redact_fields=["message", "user.email"]))
    r1 = _result("to a@b.co", "to [EMAIL]", [Span(start=3, end=9, type="EMAIL_ADDRESS", score=1, detector="rules")])
    r2 = _result("a@b.co", "[EMAIL]", [Span(start=0, end=6, type="EMAIL_ADDRESS", score=1, detector="rules")])
    out = orjson.loads(redacted_value(dec, [r1, r2], "v", ["rules"]))
    assert out["message"] == "to [EMAIL]" and out["user"] == {"email": "[EMAIL]", "id": 9} and out["ts"] == 1
    ann = orjson.loads(annotations_value(dec, [r1, r2], "v", b"key"))
    assert [e["field"] for e in ann["entities"]] == ["message", "user.email"]
    assert b"a@b.co" not in annotations_value(dec, [r1, r2], "v", b"key")


def test_annotations_hash_values_with_the_key_and_never_carry_raw_values_by_default():
    dec = decode(rec(b'{"id": "d", "text": "mail a@b.co now"}'), settings())
    span = Span(start=5, end=11, type="EMAIL_ADDRESS", score=0.99, detector="rules:email")
    res = _result("mail a@b.co now", "mail [E] now", [span])
    raw = annotations_value(dec, [res], "v1", b"k1")
    ann = orjson.loads(raw)
    assert b"a@b.co" not in raw
    assert ann["id"] == "d" and ann["taxonomy_version"] == "v1"
    assert ann["entities"] == [{"type": "EMAIL_ADDRESS", "start": 5, "end": 11, "score": 0.99,
                                "detector": "rules:email", "value_hash": value_hash(b"k1", "a@b.co", "EMAIL_ADDRESS")}]
    assert ann["entities"][0]["value_hash"] != orjson.loads(annotations_value(dec, [res], "v1", b"k2"))["entities"][0]["value_hash"]
    with_values = orjson.loads(annotations_value(dec, [res], "v1", b"k1", include_values=True))
    assert with_values["entities"][0]["value"] == "a@b.co"


def test_dead_letter_headers_keep_originals_and_say_why():
    r = rec(b"\xff", headers=[("trace", b"abc"), ("pii.dlq.stage", b"old")])
    hdrs = dead_letter_headers(r, Failure(id=None, stage="ingest", error_class="InvalidUtf8", message="bad byte"))
    assert ("trace", b"abc") in hdrs
    meta = parse_dead_letter_headers(hdrs)
    assert meta == {"stage": "ingest", "error_class": "InvalidUtf8", "message": "bad byte", "source_topic": "in",
                    "source_partition": "2", "source_offset": "7"}
    assert sum(1 for k, _ in hdrs if k == "pii.dlq.stage") == 1
