"""Object keys are scanned like values: a key holding PII is replaced by its redacted form at any
depth, two keys never collapse into one, and no path, annotation or output names the raw key -
through every entry point (CLI lines, HTTP JSON, stream outputs)."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.config import PipelineSettings
from workers.lines import redact_lines
from workers.models import Result, Span
from workers.pipeline_factory import build_pipeline
from workers.record_output import KEY_SUFFIX, output_record, redact_record
from workers.records import RecordSpec, dumps, loads, parse_record
from workers.redact import Redactor
from workers.serve.http_codec import redact_json
from workers.stream.config import StreamSettings
from workers.stream.ingest import Decoded, Inbound, decode
from workers.stream.output import annotations_value, redact, redacted_value
from workers.taxonomy import Operator, load_taxonomy

REDACTOR = Redactor(load_taxonomy())

# Values the rules find on a line of their own (as a key with an object value is laid out).
PII = {
    "alice@example.com": "EMAIL_ADDRESS",
    "10.0.0.1": "IP_ADDRESS",
    "078-05-1121": "US_SSN",
    "+1 415 555 0100": "PHONE_NUMBER",
    "4111 1111 1111 1111": "CREDIT_CARD",
    "DE89370400440532013000": "IBAN_CODE",
    "00:1B:44:11:3A:B7": "MAC_ADDRESS",
}


@pytest.fixture(scope="module")
def pipeline():
    return build_pipeline(PipelineSettings(detectors=["rules"]))


def run(pipeline, record: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_record(orjson.dumps(record), RecordSpec(), "1")
    res = pipeline.run([parsed.document()])[0]
    assert isinstance(res, Result)
    red = redact_record(parsed, res, pipeline.redactor)
    return loads(dumps(output_record(red, res, "id", "text", parsed.doc_id)))


def spans_on(parsed, *values: str) -> Result:
    """Spans over the first occurrence of each value in the view (a stand-in for detectors); an
    e-mail unless the value is given as `TYPE=value`."""
    out = []
    for given_value in values:
        etype, _, v = given_value.rpartition("=")
        etype = etype or "EMAIL_ADDRESS"
        at = parsed.view.index(v)
        out.append(Span(start=at, end=at + len(v), type=etype, score=0.9, detector="t"))
    return Result(id="1", text="", detectors=["rules"], entities=out)


@pytest.mark.parametrize(
    ("record", "expected_body", "fields"),
    [
        (  # the brief's example: a map keyed by e-mail, one level down
            {"id": 1, "text": "x", "users": {"alice@example.com": {"ip": "10.0.0.1"}}},
            {"id": 1, "text": "x", "users": {"[EMAIL_ADDRESS]": {"ip": "[IP_ADDRESS]"}}},
            {'users["[EMAIL_ADDRESS]"]~': "EMAIL_ADDRESS", 'users["[EMAIL_ADDRESS]"].ip': "IP_ADDRESS"},
        ),
        (  # a key at the top with a plain string value; the value is kept, the key is not
            {"id": 2, "text": "x", "+1 415 555 0100": "call back"},
            {"id": 2, "text": "x", "[PHONE_NUMBER]": "call back"},
            {'["[PHONE_NUMBER]"]~': "PHONE_NUMBER"},
        ),
        (  # inside an array, under a boolean, null and a number value
            {"id": 3, "text": "x", "rows": [{"078-05-1121": True}, {"10.0.0.1": None, "n": {"a@example.org": 7}}]},
            {"id": 3, "text": "x", "rows": [{"[US_SSN]": True}, {"[IP_ADDRESS]": None, "n": {"[EMAIL_ADDRESS]": 7}}]},
            {
                'rows[0]["[US_SSN]"]~': "US_SSN",
                'rows[1]["[IP_ADDRESS]"]~': "IP_ADDRESS",
                'rows[1].n["[EMAIL_ADDRESS]"]~': "EMAIL_ADDRESS",
            },
        ),
        (  # part of a key: only that part is replaced
            {"id": 4, "text": "x", "owner a@example.org": []},
            {"id": 4, "text": "x", "owner [EMAIL_ADDRESS]": []},
            {'["owner [EMAIL_ADDRESS]"]~': "EMAIL_ADDRESS"},
        ),
        (  # keys without PII are kept exactly, in order
            {"id": 5, "text": "x", "ssn": "078-05-1121", "meta": {"ok": "fine"}},
            {"id": 5, "text": "x", "ssn": "[US_SSN]", "meta": {"ok": "fine"}},
            {"ssn": "US_SSN"},
        ),
    ],
)
def test_pii_keys_are_redacted_and_named_by_their_output_path(pipeline, record, expected_body, fields):
    raw_values = [k for k in _all_keys(record) if k not in _all_keys(expected_body)]
    out = run(pipeline, record)
    got = {e["field"]: e["type"] for e in out.pop("entities")}
    assert out == expected_body
    assert list(_all_keys(out)) == list(_all_keys(expected_body))  # order kept
    assert got == fields
    for raw in raw_values:
        assert raw not in dumps(out).decode() and all(raw not in f for f in got)


def _all_keys(v: Any):
    if isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from _all_keys(x)
    elif isinstance(v, list):
        for x in v:
            yield from _all_keys(x)


def test_key_offsets_are_into_the_original_key():
    parsed = parse_record(orjson.dumps({"text": "t", "to a@b.co": {}}), RecordSpec(), "1")
    red = redact_record(parsed, spans_on(parsed, "a@b.co"), REDACTOR)
    assert red.body == {"text": "t", "to [EMAIL_ADDRESS]": {}}
    [e] = red.entities
    assert (e.field, e.span.start, e.span.end) == ('["to [EMAIL_ADDRESS]"]~', 3, 9)


def test_view_lays_out_every_key_but_the_ids_and_the_main_texts_the_id_value_last():
    parsed = parse_record(
        orjson.dumps({"id": "a", "text": "t", "a": {"b": True, "c": ""}, "d": [], "e": None, "f": 2}), RecordSpec(), "1"
    )
    assert parsed.view == "t\na\nd\ne\nf: 2\nb\nc\nid: a\n"
    assert [(f.path, f.is_key) for f in parsed.fields] == [
        ("text", False),
        ("a~", True),
        ("d~", True),
        ("e~", True),
        ("f~", True),
        ("f", False),
        ("a.b~", True),
        ("a.c~", True),
        ("id", False),
    ]


@pytest.mark.parametrize(
    ("body", "detected", "expected_keys"),
    [
        # Two keys redacting alike: the later one gets the first free suffix.
        ({"a@b.co": 1, "c@d.co": 2}, ["a@b.co", "c@d.co"], ["[EMAIL_ADDRESS]", "[EMAIL_ADDRESS]#2"]),
        # A key that stays holds its name: the redacted ones go around it, in order.
        (
            {"[EMAIL_ADDRESS]": 0, "a@b.co": 1, "[EMAIL_ADDRESS]#2": 2, "c@d.co": 3},
            ["a@b.co", "c@d.co"],
            ["[EMAIL_ADDRESS]", "[EMAIL_ADDRESS]#3", "[EMAIL_ADDRESS]#2", "[EMAIL_ADDRESS]#4"],
        ),
        # A key renamed away frees its name for another.
        (
            {"a@b.co": 1, "[EMAIL_ADDRESS]": 2},
            ["a@b.co", "US_SSN=[EMAIL_ADDRESS]"],
            ["[EMAIL_ADDRESS]", "[US_SSN]"],
        ),
        # Keys in different objects never interfere.
        ({"m": {"a@b.co": 1}, "n": {"c@d.co": 2}}, ["a@b.co", "c@d.co"], ["m", "n"]),
    ],
)
def test_colliding_redacted_keys_get_a_deterministic_suffix_never_overwrite(body, detected, expected_keys):
    parsed = parse_record(orjson.dumps({"text": "t", **body}), RecordSpec(), "1")
    red = redact_record(parsed, spans_on(parsed, *detected), REDACTOR)
    assert red.body is not None
    red.body.pop("text")
    assert len(red.body) == len(body) and sorted(map(str, _leaves(red.body))) == sorted(map(str, _leaves(body)))
    assert list(red.body) == expected_keys
    paths = [e.field for e in red.entities]
    assert len(set(paths)) == len(paths) == len(detected)  # each entity names its own output key


def _leaves(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return [x for y in v.values() for x in _leaves(y)]
    return [v]


def test_many_keys_redacting_alike_are_numbered_in_order():
    body = {f"u{i}@example.com": i for i in range(300)}
    body["[EMAIL_ADDRESS]#5"] = -1  # taken: skipped by the numbering
    parsed = parse_record(orjson.dumps({"text": "t", **body}), RecordSpec(), "1")
    red = redact_record(parsed, spans_on(parsed, *[k for k in body if "@" in k]), REDACTOR)
    assert red.body is not None
    numbered = [k for k in red.body if k != "text"]
    assert numbered[:5] == ["[EMAIL_ADDRESS]"] + [f"[EMAIL_ADDRESS]{KEY_SUFFIX}{n}" for n in (2, 3, 4, 6)]
    assert len(set(numbered)) == 301 and red.body["[EMAIL_ADDRESS]#5"] == -1
    assert [red.body[k] for k in numbered[:300]] == list(range(300))


@pytest.mark.parametrize(
    ("operator", "expected_key"),
    [
        (Operator(kind="keep"), "a@b.co"),  # annotate only: the key stays, as a value would
        (Operator(kind="drop"), ""),
        (Operator(kind="mask", mask_char="*", keep_last=0), "******"),
    ],
)
def test_key_redaction_follows_the_types_operator(operator, expected_key):
    redactor = Redactor(load_taxonomy(), overrides={"EMAIL_ADDRESS": operator})
    parsed = parse_record(orjson.dumps({"text": "t", "a@b.co": {"k": "v"}}), RecordSpec(), "1")
    red = redact_record(parsed, spans_on(parsed, "a@b.co"), redactor)
    assert red.body == {"text": "t", expected_key: {"k": "v"}}


# ---------------------------------------------------------------------------------------------
# property: a detected value placed as a key at any depth never appears in any output

filler = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
leaf = st.one_of(filler, st.integers(-5, 5), st.booleans(), st.none(), st.just({}), st.just([]))


@st.composite
def keyed_records(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A record with the PII value as a key somewhere down a random path of objects and arrays."""
    value = draw(st.sampled_from(sorted(PII)))
    inner: Any = {value: draw(leaf)}
    for _ in range(draw(st.integers(0, 2))):  # siblings in the same object
        inner[draw(filler)] = draw(leaf)
    for _ in range(draw(st.integers(0, 5))):  # wrap it, in an object or an array, at any depth
        if draw(st.booleans()):
            sibling = {draw(filler) + "_s": draw(leaf)} if draw(st.booleans()) else {}  # never the inner key
            inner = {draw(filler): inner, **sibling} if draw(st.booleans()) else {**sibling, draw(filler): inner}
        else:
            items = draw(st.lists(leaf, max_size=2))
            items.insert(draw(st.integers(0, len(items))), inner)
            inner = items
    body = {"id": "r1", "text": "note"}
    body["data" if isinstance(inner, list) else draw(filler).upper()] = inner
    return body, value


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=keyed_records())
def test_a_detected_value_as_a_key_never_reaches_any_output(pipeline, case):
    body, value = case
    raw = orjson.dumps(body)
    assert value.encode() in raw
    outputs: dict[str, bytes] = {}

    # pii-worker redact (JSONL lines)
    dst = io.BytesIO()
    stats = redact_lines(pipeline, io.BytesIO(raw + b"\n"), dst, RecordSpec())
    assert stats["errors"] == 0
    outputs["cli"] = dst.getvalue()
    # POST /redact, JSON framing
    outputs["http"] = redact_json(pipeline, raw, 10)
    # the stream worker: redacted and annotations topics
    dec = decode(Inbound("in", 0, 1, b"k", raw, [], 1), StreamSettings.load(input_topic="in"))
    assert isinstance(dec, Decoded)
    res = pipeline.run([dec.parsed.document()])[0]
    assert isinstance(res, Result)
    red = redact(dec, res, pipeline.redactor)
    outputs["stream"] = redacted_value(dec, red, res, None, ["rules"])
    outputs["annotations"] = annotations_value(dec, red, None, b"key")

    for where, data in outputs.items():
        assert value.encode() not in data, where
    out = loads(outputs["http"])
    assert pipeline.redactor.replacement(PII[value], value) in set(_all_keys(out)), out
    assert any(e["field"].endswith("~") and e["type"] == PII[value] for e in out["entities"])
    assert loads(outputs["cli"]) == out  # one contract: the CLI and HTTP give the same record
