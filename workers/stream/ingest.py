"""Kafka record -> units of text for the pipeline, or an ingest failure (never an exception).

Input is a JSON object with an id and a text field (names configurable), a structured log whose
named fields are redacted (`redact_fields`, dotted paths), or plain UTF-8 text whose id is
`topic/partition/offset`. With input_format=auto a value whose first non-blank character is
`{` or `[` is JSON (and must parse); anything else is plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from workers.models import Failure
from workers.stream.config import StreamSettings


@dataclass(frozen=True, slots=True)
class Inbound:
    """One consumed record, detached from the client library."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp_ms: int | None = None

    @property
    def coords(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"

    @property
    def size(self) -> int:
        return len(self.value or b"") + len(self.key or b"")

    @classmethod
    def from_consumer_record(cls, r: Any) -> Inbound:
        return cls(
            topic=r.topic, partition=r.partition, offset=r.offset, key=r.key, value=r.value,
            headers=list(r.headers or []), timestamp_ms=r.timestamp if r.timestamp and r.timestamp > 0 else None,
        )


@dataclass(slots=True)
class Decoded:
    """A record ready for the pipeline: one text unit per field to redact."""

    record: Inbound
    doc_id: str
    body: dict[str, Any] | None  # parsed JSON object; None for plain text
    # (dotted field path, text); path None = plain-text input
    units: list[tuple[str | None, str]]
    structured: bool = False  # redact_fields mode: annotations name the field of each entity


def _fail(message: str, error_class: str, doc_id: str | None = None) -> Failure:
    return Failure(id=doc_id, stage="ingest", error_class=error_class, message=message)


def get_path(obj: Any, path: str) -> tuple[bool, Any]:
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False, None
        cur = cur[part]
    return True, cur


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = obj
    for part in parts[:-1]:
        cur = cur[part]
    cur[parts[-1]] = value


def decode(rec: Inbound, s: StreamSettings) -> Decoded | Failure:
    if rec.value is None:
        return _fail("record has no value (tombstone)", "EmptyRecord", rec.coords)
    if len(rec.value) > s.max_document_bytes:
        return _fail(f"document is {len(rec.value)} bytes, limit is {s.max_document_bytes}",
                     "DocumentTooLarge", rec.coords)
    try:
        text = rec.value.decode("utf-8")
    except UnicodeDecodeError as e:
        return _fail(f"value is not valid UTF-8: {e.reason} at byte {e.start}", "InvalidUtf8", rec.coords)

    is_json = s.input_format == "json" or (s.input_format == "auto" and text.lstrip()[:1] in ("{", "["))
    if not is_json:
        if not text.strip():
            return _fail("empty text", "EmptyRecord", rec.coords)
        return Decoded(record=rec, doc_id=rec.coords, body=None, units=[(None, text)])

    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        return _fail(f"invalid JSON: {e}", "InvalidJson", rec.coords)
    if not isinstance(body, dict):
        return _fail(f"expected a JSON object, got {type(body).__name__}", "InvalidDocument", rec.coords)

    found, raw_id = get_path(body, s.id_field)
    if not found or raw_id is None:
        if s.redact_fields:  # structured logs rarely carry an id: fall back to coordinates
            doc_id = rec.coords
        else:
            return _fail(f"missing id field {s.id_field!r}", "MissingField", rec.coords)
    elif isinstance(raw_id, str) and raw_id:
        doc_id = raw_id
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        doc_id = str(raw_id)
    else:
        return _fail(f"id field {s.id_field!r} must be a non-empty string or an integer, "
                     f"got {type(raw_id).__name__}", "InvalidField", rec.coords)

    units: list[tuple[str | None, str]] = []
    paths = s.redact_fields or [s.text_field]
    for path in paths:
        found, value = get_path(body, path)
        if not found or value is None:
            if not s.redact_fields:
                return _fail(f"missing text field {path!r}", "MissingField", doc_id)
            continue  # structured logs: absent fields have nothing to redact
        if not isinstance(value, str):
            return _fail(f"field {path!r} must be a string, got {type(value).__name__}", "InvalidField", doc_id)
        units.append((path, value))
    return Decoded(record=rec, doc_id=doc_id, body=body, units=units, structured=bool(s.redact_fields))
