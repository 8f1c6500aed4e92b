"""Pipeline outcome -> the three output messages (redacted, annotations, dead letter), built
from the wire models in workers.messages.

Redacted: the input JSON with every string redacted (workers.records), plus `_pii` metadata
(source coordinates, taxonomy version, detectors that ran, degraded). Plain-text input becomes
`{"id", "text", "_pii"}` so every record on the redacted topic is JSON.
Annotations: id, source and per entity {type, start, end, score, detector, value_hash, field}:
offsets into the string at JSON path `field` (absent for plain text).
Dead letters: the original bytes and headers plus `pii.dlq.*` headers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from workers.messages import SourceRef
from workers.models import DeadLetter, Failure, Result, Span
from workers.record_output import redact_record
from workers.records import RedactedRecord, dumps
from workers.redact import Redactor
from workers.stream.ingest import Decoded, Inbound

DLQ_HEADER_PREFIX = "pii.dlq."
_MAX_HEADER_MESSAGE = 1000


@lru_cache(maxsize=8)
def _keyed(hash_key: bytes) -> Any:  # noqa: ANN401 - hmac.HMAC
    return hmac.new(hash_key, digestmod=hashlib.sha256)


def annotation_hash(hash_key: bytes, value: str, entity_type: str) -> str:
    """workers.redact.value_hash, from a copy of the keyed state made once per key: the key
    schedule is a third of the cost of hashing a short value, paid once per entity otherwise."""
    h = _keyed(hash_key).copy()
    h.update(f"{entity_type}\x00{value}".encode("utf-8", "surrogatepass"))
    return str(h.hexdigest())


def source_meta(rec: Inbound) -> SourceRef:
    return SourceRef(topic=rec.topic, partition=rec.partition, offset=rec.offset)


def _source(rec: Inbound) -> dict[str, Any]:
    # SourceRef.model_dump() without the model: this runs twice per published record.
    return {"topic": rec.topic, "partition": rec.partition, "offset": rec.offset}


def redact(dec: Decoded, result: Result, redactor: Redactor) -> RedactedRecord:
    """Apply the pipeline's spans field by field (the record is redacted once)."""
    return redact_record(dec.parsed, result, redactor)


def redacted_value(
    dec: Decoded, red: RedactedRecord, result: Result, taxonomy_version: str | None, detectors: Sequence[str]
) -> bytes:
    # The PiiMeta shape (workers.messages), built as the dict its model_dump() gives: the values
    # come from typed fields already (a unit test checks both give the same bytes).
    meta = {
        "source": _source(dec.record),
        "taxonomy_version": taxonomy_version,
        "detectors": [d for d in detectors if d in result.detectors],
        "degraded": result.degraded,
    }
    if red.body is None:
        return dumps({"id": dec.doc_id, "text": red.text, "_pii": meta})
    body: dict[str, Any] = red.body  # decoded afresh for every attempt, so editing in place is safe
    body["_pii"] = meta
    return dumps(body)


def entity_annotation(sp: Span, field: str | None, value_hash: str, value: str | None = None) -> dict[str, Any]:
    """One EntityAnnotation as the dict its model_dump(exclude_none=True) gives, in field order."""
    ent: dict[str, Any] = {
        "type": sp.type,
        "start": sp.start,
        "end": sp.end,
        "score": sp.score,
        "detector": sp.detector,
    }
    if field is not None:
        ent["field"] = field
    ent["value_hash"] = value_hash
    if value is not None:
        ent["value"] = value
    return ent


def annotations_value(
    dec: Decoded,
    red: RedactedRecord,
    taxonomy_version: str | None,
    hash_key: bytes,
    include_values: bool = False,
    extra: Sequence[dict[str, Any]] = (),
) -> bytes:
    """The AnnotationsMessage shape, encoded straight from the spans: per entity the keys of
    EntityAnnotation in its field order, None values left out (model_dump(exclude_none=True)).
    `extra`: entities already encoded (those in the record's key and headers, envelope.seal)."""
    entities: list[dict[str, Any]] = []
    fields = dec.parsed.fields
    view = dec.parsed.view
    for e in red.entities:
        f = fields[e.index]
        sp = e.span
        value = view[f.start + sp.start : f.start + sp.end]
        vh = annotation_hash(hash_key, value, sp.type)
        entities.append(entity_annotation(sp, e.field, vh, value if include_values else None))
    entities.extend(extra)
    return dumps(
        {
            "id": red.doc_id or dec.doc_id,
            "source": _source(dec.record),
            "taxonomy_version": taxonomy_version,
            "entities": entities,
        }
    )


def dead_letter_headers(rec: Inbound, failure: Failure) -> list[tuple[str, bytes]]:
    dl = DeadLetter(
        stage=failure.stage,
        error_class=failure.error_class,
        message=failure.message[:_MAX_HEADER_MESSAGE],
        source_topic=rec.topic,
        source_partition=rec.partition,
        source_offset=rec.offset,
    )
    ours = [(DLQ_HEADER_PREFIX + k, str(v).encode("utf-8")) for k, v in dl.model_dump().items() if v is not None]
    # Original headers first (preserved as-is), then ours; drop stale pii.dlq.* from a re-drive.
    return [h for h in rec.headers if not h[0].startswith(DLQ_HEADER_PREFIX)] + ours


def parse_dead_letter_headers(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    return {
        k[len(DLQ_HEADER_PREFIX) :]: v.decode("utf-8", "replace") for k, v in headers if k.startswith(DLQ_HEADER_PREFIX)
    }
