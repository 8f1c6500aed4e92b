"""The HTTP codec speaks the CLI's contract: same bytes for valid input, 4xx reasons for bad input.
(No Ray here; the integration test sends the same through a real Serve proxy.)"""

from __future__ import annotations

import json

import pytest

from workers.config import PipelineSettings
from workers.pipeline_factory import build_pipeline
from workers.serve.http_codec import BadRequest, check_lines, framing_for, redact_json, redact_lines


@pytest.fixture(scope="module")
def pipeline():
    return build_pipeline(PipelineSettings(detectors=["rules"]))


def test_framing_from_content_type():
    assert framing_for("application/json; charset=utf-8") == "json"
    assert framing_for("text/plain") == "text"
    assert framing_for("application/x-ndjson") == "jsonl"
    assert framing_for("") == "jsonl"
    assert framing_for("application/x-www-form-urlencoded") == "jsonl"  # curl -d default


def test_jsonl_lines_are_checked_like_the_cli_parses_them():
    assert check_lines(b'{"id": 1, "text": "a"}\n\n{"text": "b"}\n', "jsonl", 10) == 2
    with pytest.raises(BadRequest, match="line 2: invalid JSON"):
        check_lines(b'{"id": 1, "text": "a"}\n{oops\n', "jsonl", 10)
    with pytest.raises(BadRequest) as e:
        check_lines(b'{"id": 1, "text": "a"}\n' * 3, "jsonl", 2)
    assert e.value.status == 413
    assert check_lines("ünïcode line\n".encode(), "text", 10) == 1


def test_json_framing_object_and_array(pipeline):
    one = json.loads(redact_json(pipeline, b'{"id": "x", "text": "mail me at a.b@example.org"}', 10))
    assert one["id"] == "x" and "[EMAIL_ADDRESS]" in one["text"]
    many = json.loads(redact_json(pipeline, b'[{"id": "1", "text": "a"}, {"id": "2", "text": "b"}]', 10))
    assert [r["id"] for r in many] == ["1", "2"]
    with pytest.raises(BadRequest, match="item 1"):
        redact_json(pipeline, b'[{"id": "1", "text": "a"}, {"id": "2"}]', 10)


def test_text_framing_keeps_lines(pipeline):
    out = redact_lines(pipeline, b"call +1 415 555 0100 now\nnothing here\n", "text")
    assert out.decode().splitlines()[1] == "nothing here"
    assert "415 555" not in out.decode()


def test_json_framing_scans_every_string_and_keeps_big_ints(pipeline):
    body = b'{"id": 12345678901234567890123, "text": "x", "meta": {"ssn": "078-05-1121"}, "to": ["a@example.org"]}'
    out = redact_json(pipeline, body, 10)
    one = json.loads(out)
    assert one["id"] == 12345678901234567890123 and one["meta"]["ssn"] == "[US_SSN]"
    assert one["to"] == ["[EMAIL_ADDRESS]"] and {e["field"] for e in one["entities"]} == {"meta.ssn", "to[0]"}
    assert b"078-05-1121" not in out and b"a@example.org" not in out


def test_oversized_documents_are_rejected_naming_the_line(pipeline):
    from workers.records import RecordSpec

    spec = RecordSpec(max_document_bytes=50)
    line = b'{"id": 1, "text": "' + b"y" * 60 + b'"}'
    with pytest.raises(BadRequest, match="line 2: document is"):
        check_lines(b'{"id": 0, "text": "a"}\n' + line + b"\n", "jsonl", 10, spec)
    with pytest.raises(BadRequest, match="item 0: document is"):
        redact_json(pipeline, b"[" + line + b"]", 10, spec)


def test_id_must_be_a_string_or_number(pipeline):
    with pytest.raises(BadRequest, match="line 1: id field 'id'"):
        check_lines(b'{"id": {"x": 1}, "text": "a"}\n', "jsonl", 10)
