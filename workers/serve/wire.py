"""`POST /redact` speaks the `pii-worker redact` contract by calling the CLI's own functions, so
the two answer byte-for-byte the same for the same input.

- JSONL (default; `application/x-ndjson`, `application/jsonl`, anything unrecognised): one
  {"id","text",...} per line -> one result (or per-record error) line per input line.
- `text/plain`: each line is a document (id = line number) -> redacted lines.
- `application/json`: one object -> one result object; an array -> an array of results.

A request with a malformed document (invalid JSON or UTF-8, missing/mistyped fields) is rejected
whole with 400 and the line or item that is wrong - the CLI would write an error record for that
line; a client of an HTTP API should fix and resend instead. A record the pipeline itself fails
on comes back as the CLI's error record (never its text), with status 200.
"""

from __future__ import annotations

import argparse
import io
from typing import Any, Literal

import orjson

from workers.cli.redact import LineError, error_record, parse_line, process, result_record
from workers.models import Failure
from workers.pipeline import Pipeline

Framing = Literal["jsonl", "text", "json"]

ID_FIELD = "id"
TEXT_FIELD = "text"


class BadRequest(ValueError):
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


def check_lines(body: bytes, framing: Framing, max_docs: int) -> int:
    """Validate every non-blank line as the CLI would parse it; returns the document count."""
    n = 0
    for lineno, raw in enumerate(io.BytesIO(body), start=1):
        if not raw.strip():
            continue
        n += 1
        if n > max_docs:
            raise BadRequest(f"more than {max_docs} documents in one request", status=413)
        try:
            parse_line(raw, lineno, framing, ID_FIELD, TEXT_FIELD)
        except LineError as e:
            raise BadRequest(f"line {lineno}: {e}") from None
    if n == 0:
        raise BadRequest("no documents in the request body")
    return n


def redact_lines(pipeline: Pipeline, body: bytes, framing: Framing, batch_size: int = 64) -> bytes:
    args = argparse.Namespace(format=framing, id_field=ID_FIELD, text_field=TEXT_FIELD, batch_size=batch_size)
    out = io.BytesIO()
    process(pipeline, io.BytesIO(body), out, args)
    return out.getvalue()


def redact_json(pipeline: Pipeline, body: bytes, max_docs: int) -> bytes:
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"invalid JSON: {e}") from None
    items = obj if isinstance(obj, list) else [obj]
    if not items:
        raise BadRequest("empty array: no documents")
    if len(items) > max_docs:
        raise BadRequest(f"more than {max_docs} documents in one request", status=413)
    docs = []
    for i, item in enumerate(items, start=1):
        try:
            docs.append(parse_line(orjson.dumps(item), i, "jsonl", ID_FIELD, TEXT_FIELD))
        except LineError as e:
            raise BadRequest(f"item {i - 1 if isinstance(obj, list) else 'body'}: {e}") from None
    results = pipeline.run(docs)
    recs: list[dict[str, Any]] = [
        error_record(i, d.id, r.stage, r.error_class, r.message) if isinstance(r, Failure) else result_record(r)
        for i, (d, r) in enumerate(zip(docs, results, strict=True), start=1)
    ]
    return orjson.dumps(recs if isinstance(obj, list) else recs[0])
