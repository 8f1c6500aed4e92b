from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from workers.messages import schema_files

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_schemas_match_models() -> None:
    for fname, text in schema_files().items():
        path = ROOT / "schemas" / fname
        assert path.exists(), f"{fname} missing: run python -m workers.messages"
        assert path.read_text() == text, f"{fname} drifted from workers/messages.py: run python -m workers.messages"


def test_cli_output_validates_against_schema(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "1", "text": "mail bob@example.org", "k": 1}\nnot json\n')
    out = subprocess.run(
        [sys.executable, "-m", "workers.cli", "redact", "-i", str(src), "-q"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    ok_schema = json.loads((ROOT / "schemas" / "redact-output.schema.json").read_text())
    err_schema = json.loads((ROOT / "schemas" / "redact-error.schema.json").read_text())
    jsonschema.validate(json.loads(out[0]), ok_schema)
    jsonschema.validate(json.loads(out[1]), err_schema)


def _schema(name: str) -> dict:
    return json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())


def test_stream_outputs_validate_against_schemas() -> None:
    from workers.config import PipelineSettings
    from workers.models import Failure, Result
    from workers.pipeline_factory import build_pipeline
    from workers.stream.config import StreamSettings
    from workers.stream.ingest import Decoded, Inbound, decode
    from workers.stream.output import (
        annotations_value,
        dead_letter_headers,
        parse_dead_letter_headers,
        redact,
        redacted_value,
    )

    pipeline = build_pipeline(PipelineSettings(detectors=["rules"]))
    s = StreamSettings.load(input_topic="in")
    values = [
        b'{"id": 7, "text": "mail bob@example.org", "meta": {"ip": "10.0.0.1"}, "tags": ["078-05-1121"]}',
        b"plain 4111 1111 1111 1111",
    ]
    for i, value in enumerate(values):
        dec = decode(Inbound("in", 0, i, b"k", value), s)
        assert isinstance(dec, Decoded)
        res = pipeline.run([dec.parsed.document()])[0]
        assert isinstance(res, Result)
        red = redact(dec, res, pipeline.redactor)
        out = json.loads(redacted_value(dec, red, res, "1", ["rules"]))
        ann = json.loads(annotations_value(dec, red, "1", b"k" * 16))
        jsonschema.validate(out, _schema("redacted-message"))
        jsonschema.validate(ann, _schema("annotations-message"))
        assert ann["entities"], value
    bad = Inbound("in", 0, 9, b"k", b"\xff")
    failure = decode(bad, s)
    assert isinstance(failure, Failure)
    headers = parse_dead_letter_headers(dead_letter_headers(bad, failure))
    schema = _schema("dead-letter-headers")
    # Headers travel as strings; the schema types the decoded values.
    typed = {k: int(v) if k.startswith("source_p") or k == "source_offset" else v for k, v in headers.items()}
    jsonschema.validate(typed, schema)
