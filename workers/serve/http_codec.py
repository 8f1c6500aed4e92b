"""`POST /redact` bodies <-> the record contract (workers.records), through the same line
redaction as `pii-worker redact` (workers.lines), so the two answer byte for byte the same.

- JSONL (default; `application/x-ndjson`, `application/jsonl`, anything unrecognised): one JSON
  object per line -> one result (or per-record error) line per input line.
- `text/plain`: each line is a document (id = line number) -> redacted lines.
- `application/json`: one object -> one result object; an array -> an array of results.

Every string in a JSON record is scanned (see workers.records). A request with a malformed
document (invalid JSON or UTF-8, missing/mistyped fields, over the document size limit) is
rejected whole with 400 and the line or item that is wrong - the CLI would write an error record
for that line; a client of an HTTP API should fix and resend instead. A record the pipeline itself
fails on comes back as the CLI's error record (never its text), with status 200.
"""

from __future__ import annotations

import io
from typing import Any, Literal

from workers.errors import PiiWorkerError
from workers.lines import RedactingPipeline, TooLong, read_lines
from workers.lines import redact_lines as _redact_lines
from workers.models import Failure
from workers.record_output import error_record, output_record, redact_record
from workers.records import (
    RecordError,
    RecordSpec,
    dumps,
    loads,
    parse_object,
    parse_record,
)

Framing = Literal["jsonl", "text", "json"]

JSON_SPEC = RecordSpec(input_format="json")


class BadRequest(PiiWorkerError, ValueError):
    """A request the caller must fix; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def framing_for(content_type: str) -> Framing:
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json":
        return "json"
    if ctype == "text/plain":
        return "text"
    return "jsonl"


def _spec(framing: Framing, base: RecordSpec) -> RecordSpec:
    return RecordSpec(
        input_format="text" if framing == "text" else "json",
        id_field=base.id_field,
        text_field=base.text_field,
        fields=base.fields,
        max_document_bytes=base.max_document_bytes,
    )


def check_lines(body: bytes, framing: Framing, max_docs: int, spec: RecordSpec = JSON_SPEC) -> int:
    """Validate every non-blank line as the CLI would parse it; returns the document count."""
    s = _spec(framing, spec)
    n = 0
    for lineno, line in read_lines(io.BytesIO(body), s.max_document_bytes):
        if isinstance(line, TooLong):
            raise BadRequest(f"line {lineno}: document is {line.size} bytes, limit is {s.max_document_bytes}")
        if not line.strip():
            continue
        n += 1
        if n > max_docs:
            raise BadRequest(f"more than {max_docs} documents in one request", status=413)
        try:
            parse_record(line, s, str(lineno))
        except RecordError as e:
            raise BadRequest(f"line {lineno}: {e}") from None
    if n == 0:
        raise BadRequest("no documents in the request body")
    return n


def redact_lines(
    pipeline: RedactingPipeline, body: bytes, framing: Framing, batch_size: int = 64, spec: RecordSpec = JSON_SPEC
) -> bytes:
    out = io.BytesIO()
    _redact_lines(pipeline, io.BytesIO(body), out, _spec(framing, spec), batch_size=batch_size)
    return out.getvalue()


def redact_json(pipeline: RedactingPipeline, body: bytes, max_docs: int, spec: RecordSpec = JSON_SPEC) -> bytes:
    try:
        obj = loads(body)
    except ValueError as e:  # orjson.JSONDecodeError is a ValueError
        raise BadRequest(f"invalid JSON: {e}") from None
    items = obj if isinstance(obj, list) else [obj]
    if not items:
        raise BadRequest("empty array: no documents")
    if len(items) > max_docs:
        raise BadRequest(f"more than {max_docs} documents in one request", status=413)
    parsed = []
    for i, item in enumerate(items, start=1):
        where = f"item {i - 1}" if isinstance(obj, list) else "body"
        size = len(dumps(item))
        if size > spec.max_document_bytes:
            raise BadRequest(f"{where}: document is {size} bytes, limit is {spec.max_document_bytes}")
        try:
            parsed.append(parse_object(item, spec, str(i)))
        except RecordError as e:
            raise BadRequest(f"{where}: {e}") from None
    results = pipeline.run([p.document() for p in parsed])
    recs: list[dict[str, Any]] = []
    for i, (p, r) in enumerate(zip(parsed, results, strict=True), start=1):
        if isinstance(r, Failure):
            recs.append(error_record(i, p.doc_id, r.stage, r.error_class, r.message))
        else:
            recs.append(
                output_record(redact_record(p, r, pipeline.redactor), r, spec.id_field, spec.text_field, p.doc_id)
            )
    return dumps(recs if isinstance(obj, list) else recs[0])
