"""Kafka record -> a parsed record for the pipeline, or an ingest failure (never an exception).

The record contract is workers.records: a JSON object (every string in it scanned; id and text
field names configurable; `redact_fields` names where the text of a structured log is) or plain
UTF-8 text whose id is `topic/partition/offset`. With input_format=auto a value whose first
non-blank character is `{` or `[` is JSON (and must parse); anything else is plain text.
A record over max_document_bytes is a failure (dead-lettered), never partly scanned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workers.models import Failure
from workers.records import ParsedRecord, RecordError, RecordSpec, parse_record
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
            topic=r.topic,
            partition=r.partition,
            offset=r.offset,
            key=r.key,
            value=r.value,
            headers=list(r.headers or []),
            timestamp_ms=r.timestamp if r.timestamp and r.timestamp > 0 else None,
        )


@dataclass(slots=True)
class Decoded:
    """A record ready for the pipeline: one view text of all its strings (workers.records)."""

    record: Inbound
    parsed: ParsedRecord

    @property
    def doc_id(self) -> str:
        return self.parsed.doc_id


def record_spec(s: StreamSettings) -> RecordSpec:
    return RecordSpec(
        input_format=s.input_format,
        id_field=s.id_field,
        text_field=s.text_field,
        fields=tuple(s.redact_fields),
        max_document_bytes=s.max_document_bytes,
        require_id=True,
    )


def decode(rec: Inbound, s: StreamSettings, spec: RecordSpec | None = None) -> Decoded | Failure:
    if rec.value is None:
        return Failure(
            id=rec.coords, stage="ingest", error_class="EmptyRecord", message="record has no value (tombstone)"
        )
    try:
        parsed = parse_record(rec.value, spec or record_spec(s), rec.coords)
    except RecordError as e:
        return Failure(id=e.doc_id, stage="ingest", error_class=e.error_class, message=str(e))
    return Decoded(record=rec, parsed=parsed)
