"""The record contract: every string scanned, spans clipped and split per field, ids kept exactly."""

from __future__ import annotations

import re

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.config import PipelineSettings
from workers.models import Result, Span
from workers.pipeline_factory import build_pipeline
from workers.record_output import output_record, redact_record
from workers.records import (
    RecordError,
    RecordSpec,
    dumps,
    loads,
    parse_record,
)
from workers.redact import Redactor
from workers.taxonomy import load_taxonomy

REDACTOR = Redactor(load_taxonomy())


@pytest.fixture(scope="module")
def pipeline():
    return build_pipeline(PipelineSettings(detectors=["rules"]))


def redact(pipeline, record: dict | bytes, spec: RecordSpec | None = None) -> dict:
    raw = record if isinstance(record, bytes) else orjson.dumps(record)
    parsed = parse_record(raw, spec or RecordSpec(), "1")
    res = pipeline.run([parsed.document()])[0]
    assert isinstance(res, Result)
    red = redact_record(parsed, res, pipeline.redactor)
    return loads(dumps(output_record(red, res, "id", "text", parsed.doc_id)))


# (record, {field path: (type, value in that field)}) - nested objects and arrays included
CASES = [
    (
        {"id": "x", "text": "x", "user_email": "a@example.com", "meta": {"ssn": "078-05-1121"}},
        {"user_email": ("EMAIL_ADDRESS", "a@example.com"), "meta.ssn": ("US_SSN", "078-05-1121")},
    ),
    (
        {"id": 1, "text": "hello", "items": [{"email": "c@example.org"}, "ip 10.1.2.3"]},
        {"items[0].email": ("EMAIL_ADDRESS", "c@example.org"), "items[1]": ("IP_ADDRESS", "10.1.2.3")},
    ),
    (
        {"id": "k", "text": "card 4111 1111 1111 1111", "a.b": {"x y": "iban DE89370400440532013000"}},
        {"text": ("CREDIT_CARD", "4111 1111 1111 1111"), '["a.b"]["x y"]': ("IBAN_CODE", "DE89370400440532013000")},
    ),
]


@pytest.mark.parametrize(("record", "expected"), CASES)
def test_every_string_is_scanned_and_each_entity_names_its_field(pipeline, record, expected):
    out = redact(pipeline, record)
    got = {e["field"]: e for e in out["entities"]}
    for path, (etype, value) in expected.items():
        assert path in got, (path, out["entities"])
        assert got[path]["type"] == etype
        assert value not in dumps(out).decode()
    for e in out["entities"]:  # offsets are into the field's original string
        assert e["end"] > e["start"] >= 0


def test_key_names_are_in_the_view_as_context(pipeline):
    parsed = parse_record(orjson.dumps({"id": "a", "text": "t", "ssn": "078-05-1121"}), RecordSpec(), "1")
    # the key reads as "ssn: <value>" for the rules; the id's value comes last, after its key
    assert parsed.view == "t\nssn: 078-05-1121\nid: a\n"
    out = redact(pipeline, {"id": "a", "text": "", "ssn": "078-05-1121"})
    assert out["ssn"] == "[US_SSN]"


def test_ids_non_strings_and_plain_keys_are_kept_exactly(pipeline):
    big = 123456789012345678901234567890
    raw = (
        b'{"id": '
        + str(big).encode()
        + b', "text": "mail a@example.com", "n": '
        + str(big + 1).encode()
        + b', "f": 1.5, "ok": true, "none": null, "bob@example.com": 1}'
    )
    out = redact(pipeline, raw)
    assert out["id"] == big and out["n"] == big + 1 and out["f"] == 1.5 and out["ok"] is True
    assert out["none"] is None and out["text"] == "mail [EMAIL_ADDRESS]"
    # a key holding PII is redacted like a value (tests/unit/test_record_output.py has the rest)
    assert list(out)[:7] == ["id", "text", "n", "f", "ok", "none", "[EMAIL_ADDRESS]"]


@pytest.mark.parametrize(
    ("raw", "field", "etype"),
    [
        (b'{"id": 1, "text": "x", "card": 4111111111111111}', "card", "CREDIT_CARD"),
        (b'{"id": 2, "text": "x", "user": {"phone": 4155552671}}', "user.phone", "PHONE_NUMBER"),
        (b'{"id": 3, "text": "x", "rows": [{"ssn": 78051120}, {"cc": 5555555555554444}]}', "rows[1].cc", "CREDIT_CARD"),
    ],
)
def test_numbers_are_scanned_too(pipeline, raw, field, etype):
    """Careless producers send identifiers as JSON numbers; their digits are scanned like text."""
    out = redact(pipeline, raw)
    got = {e["field"]: e["type"] for e in out["entities"]}
    assert got.get(field) == etype, out
    value = loads(raw)
    for part in field.replace("]", "").replace("[", ".").split("."):
        value = value[int(part)] if part.isdigit() else value[part]
    assert str(value) not in dumps(out).decode()


def test_the_id_is_pseudonymised_when_it_holds_an_entity_and_never_taken_from_the_text(pipeline):
    out = redact(pipeline, {"id": "a@example.com", "text": "b@example.com"})
    assert out["text"] == "[EMAIL_ADDRESS]"
    assert re.fullmatch(r"\[EMAIL_ADDRESS:[0-9a-f]{32}\]", out["id"]), out["id"]
    assert {e["field"] for e in out["entities"]} == {"id", "text"}
    parsed = parse_record(b'{"text": "42"}', RecordSpec(), "7")
    assert parsed.doc_id == "7"
    with pytest.raises(ValueError, match="must differ"):
        RecordSpec(id_field="text")


@pytest.mark.parametrize(
    ("raw", "error_class", "message"),
    [
        (b'{"id": ["a"], "text": "x"}', "InvalidField", "string or a number"),
        (b'{"id": {"a": 1}, "text": "x"}', "InvalidField", "got object"),
        (b'{"id": true, "text": "x"}', "InvalidField", "got boolean"),
        (b'{"id": "a"}', "MissingField", "missing field 'text'"),
        (b'{"id": "a", "text": 3}', "InvalidField", "must be a string"),
        (b"[1]", "InvalidDocument", "expected a JSON object"),
        (b"{nope", "InvalidJson", "invalid JSON"),
        (b'{"id": "a", "text": "x", "n": NaN}', "InvalidJson", "invalid JSON"),
        (b"\xff", "InvalidUtf8", "UTF-8"),
    ],
)
def test_bad_records_are_errors_without_their_text(raw, error_class, message):
    with pytest.raises(RecordError) as e:
        parse_record(raw, RecordSpec(), "3")
    assert e.value.error_class == error_class and message in str(e.value)


def test_big_ints_alongside_nan_still_fail():
    with pytest.raises(RecordError):
        parse_record(b'{"text": "x", "n": 12345678901234567890123, "m": NaN}', RecordSpec(), "1")


def test_document_size_limit():
    raw = orjson.dumps({"id": "a", "text": "y" * 100})
    with pytest.raises(RecordError) as e:
        parse_record(raw, RecordSpec(max_document_bytes=len(raw) - 1), "1")
    assert e.value.error_class == "DocumentTooLarge" and "limit is" in str(e.value)
    parse_record(raw, RecordSpec(max_document_bytes=len(raw)), "1")


def test_named_fields_still_scan_every_other_string(pipeline):
    spec = RecordSpec(fields=("message",))
    out = redact(pipeline, {"message": "from 10.0.0.1", "user": {"email": "z@example.com"}}, spec)
    assert out["message"] == "from [IP_ADDRESS]" and out["user"]["email"] == "[EMAIL_ADDRESS]"
    assert out["id"] == "1"  # no id: the fallback (line number)


def _manual(parsed, spans: list[tuple[int, int]]) -> Result:
    return Result(
        id="1",
        text="",
        detectors=["rules"],
        entities=[Span(start=a, end=b, type="US_SSN", score=0.9, detector="t") for a, b in spans],
    )


def test_a_span_crossing_fields_is_split_never_dropped():
    parsed = parse_record(orjson.dumps({"text": "abc 12", "b": "34 def"}), RecordSpec(), "1")
    assert parsed.view == "abc 12\nb: 34 def\n"
    crossing = (parsed.view.index("12"), parsed.view.index("34") + 2)
    red = redact_record(parsed, _manual(parsed, [crossing]), REDACTOR)
    # the key between the two values is under the span too: all three pieces are redacted
    assert red.body == {"text": "abc [US_SSN]", "[US_SSN]": "[US_SSN] def"}
    assert [(e.field, e.span.start, e.span.end) for e in red.entities] == [
        ("text", 4, 6),
        ('["[US_SSN]"]~', 0, 1),
        ('["[US_SSN]"]', 0, 2),
    ]


def test_plain_text_is_one_field():
    parsed = parse_record(b"ssn 078-05-1121", RecordSpec(input_format="text"), "4")
    red = redact_record(parsed, _manual(parsed, [(4, 15)]), REDACTOR)
    assert red.body is None and red.text == "ssn [US_SSN]" and red.entities[0].field is None


json_leaf = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
records = st.recursive(
    json_leaf | st.integers() | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_leaf, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(json_leaf, records, min_size=1, max_size=5), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_any_spans_redact_only_keys_and_string_values_and_cover_what_they_touched(body, cuts):
    """Whatever spans the detectors return (any place in the view, crossing fields, separators and
    array labels), every character of a key or value under a span is replaced, the structure
    stays (no entry lost to a key collision), and each piece's offsets fall inside its field."""
    body.pop("id", None)
    body["text"] = "t"
    spec = RecordSpec()
    parsed = parse_record(dumps(body), spec, "1")
    n = len(parsed.view)
    points = sorted({min(c, n) for c in cuts})
    spans = [(a, b) for a, b in zip(points[::2], points[1::2], strict=False) if b > a]
    original = loads(dumps(body))
    red = redact_record(parsed, _manual(parsed, spans), REDACTOR)
    assert _shape(red.body) == _shape(original)
    values = {f.path: parsed.view[f.start : f.end] for f in parsed.fields}
    for e in red.entities:
        assert 0 <= e.span.start < e.span.end <= len(values[e.field])
    clipped_total = 0
    for f in parsed.fields:
        value = parsed.view[f.start : f.end]
        # Expected: each span's part inside this field replaced, computed without the module.
        cuts_in = sorted(
            (max(a, f.start) - f.start, min(b, f.end) - f.start) for a, b in spans if min(b, f.end) > max(a, f.start)
        )
        clipped_total += sum(b - a for a, b in cuts_in)
        want, cur = [], 0
        for a, b in cuts_in:
            want.append(value[cur:a] + "[US_SSN]")
            cur = b
        want.append(value[cur:])
        expected = "".join(want)
        out_key = f.node.out_key(f.key)  # the key as published (redacted, maybe numbered)
        if f.is_key:
            assert out_key == expected or (
                cuts_in and out_key.startswith(expected + "#") and out_key[len(expected) + 1 :].isdigit()
            )
            assert out_key in f.node.container
            continue
        got = f.node.container[out_key]
        if isinstance(got, str):
            assert got == expected
        else:  # a number nothing touched stays the number it was
            assert not cuts_in and value == str(got)
    assert sum(e.span.end - e.span.start for e in red.entities) == clipped_total


def _shape(v):
    """The record without its keys' text: a key collision that lost an entry changes it."""
    if isinstance(v, dict):
        return ("object", [_shape(x) for x in v.values()])
    if isinstance(v, list):
        return [_shape(x) for x in v]
    # A number with a detection in it becomes a redacted string: both are leaves here.
    return "leaf" if isinstance(v, str | int | float) and not isinstance(v, bool) else v


@pytest.mark.parametrize(
    ("raw_id", "etype", "kept"),
    [
        ("jane.doe@example.com", "EMAIL_ADDRESS", ""),
        ("user:jane.doe@example.com:42", "EMAIL_ADDRESS", "user:"),
        ("+1 415 555 2671", "PHONE_NUMBER", ""),
        (4111111111111111, "CREDIT_CARD", ""),
        ("203.0.113.9", "IP_ADDRESS", ""),
        ("ssn-078-05-1121", "US_SSN", "ssn-"),
    ],
)
def test_careless_producers_ids_holding_pii_are_pseudonymised(pipeline, raw_id, etype, kept):
    """An id made of an e-mail, phone, card or address never reaches the output; equal ids keep
    equal pseudonyms (joins still work) and different ids stay different."""
    outs = [redact(pipeline, {"id": i, "text": "hello"}) for i in (raw_id, raw_id, f"{raw_id}0")]
    first = outs[0]
    assert str(raw_id) not in dumps(first).decode()
    assert isinstance(first["id"], str) and first["id"].startswith(kept + f"[{etype}:")
    assert [e["field"] for e in first["entities"]] == ["id"]
    assert outs[1]["id"] == first["id"] != outs[2]["id"]


@pytest.mark.parametrize("raw_id", ["doc-20261201-000123", "9f1b2c3d-1111-4a2b-9c3d-123456789abc", 42, "a"])
def test_ids_without_entities_are_kept_as_given(pipeline, raw_id):
    out = redact(pipeline, {"id": raw_id, "text": "mail bob@example.com"})
    assert out["id"] == raw_id and [e["field"] for e in out["entities"]] == ["text"]
