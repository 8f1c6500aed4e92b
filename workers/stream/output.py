"""Pipeline outcome -> the three output messages (redacted, annotations, dead letter).

Redacted: the input JSON with each redacted field replaced, plus `_pii` metadata (source
coordinates, taxonomy version, detectors that ran, degraded). Plain-text input becomes
`{"id", "text", "_pii"}` so every record on the redacted topic is JSON.
Annotations: id, source and per entity {type, start, end, score, detector, value_hash[, field]}.
Dead letters: the original bytes and headers plus `pii.dlq.*` headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from workers.models import DeadLetter, EntityOut, Failure, Result
from workers.redact import value_hash
from workers.stream.ingest import Decoded, Inbound, set_path

DLQ_HEADER_PREFIX = "pii.dlq."
_MAX_HEADER_MESSAGE = 1000

def source_meta(rec: Inbound) -> dict[str, Any]:
    return {"topic": rec.topic, "partition": rec.partition, "offset": rec.offset}


def redacted_value(
    dec: Decoded, results: Sequence[Result], taxonomy_version: str | None, detectors: Sequence[str]
) -> bytes:
    meta = {
        "source": source_meta(dec.record),
        "taxonomy_version": taxonomy_version,
        # The detectors that ran on every unit (a structured log with no redactable field: none).
        "detectors": [d for d in detectors if all(d in r.detectors for r in results)] if results else [],
        "degraded": any(r.degraded for r in results),
    }
    if dec.body is None:
        return orjson.dumps({"id": dec.doc_id, "text": results[0].text, "_pii": meta})
    body = dec.body  # decoded afresh for every attempt, so editing in place is safe
    for (path, _), res in zip(dec.units, results, strict=True):
        set_path(body, path, res.text)  # type: ignore[arg-type]
    body["_pii"] = meta
    return orjson.dumps(body)


def annotations_value(
    dec: Decoded,
    results: Sequence[Result],
    taxonomy_version: str | None,
    hash_key: bytes,
    include_values: bool = False,
) -> bytes:
    entities: list[dict[str, Any]] = []
    for (path, text), res in zip(dec.units, results, strict=True):
        for sp in res.entities:
            value = text[sp.start:sp.end]
            ent = EntityOut(
                type=sp.type, start=sp.start, end=sp.end, score=sp.score, detector=sp.detector,
                value_hash=value_hash(hash_key, value, sp.type), value=value if include_values else None,
            ).model_dump(exclude_none=True)
            if dec.structured:
                ent["field"] = path
            entities.append(ent)
    return orjson.dumps({
        "id": dec.doc_id,
        "source": source_meta(dec.record),
        "taxonomy_version": taxonomy_version,
        "entities": entities,
    })


def dead_letter_headers(rec: Inbound, failure: Failure) -> list[tuple[str, bytes]]:
    dl = DeadLetter(
        stage=failure.stage, error_class=failure.error_class, message=failure.message[:_MAX_HEADER_MESSAGE],
        source_topic=rec.topic, source_partition=rec.partition, source_offset=rec.offset,
    )
    ours = [(DLQ_HEADER_PREFIX + k, str(v).encode("utf-8")) for k, v in dl.model_dump().items() if v is not None]
    # Original headers first (preserved as-is), then ours; drop stale pii.dlq.* from a re-drive.
    return [h for h in rec.headers if not h[0].startswith(DLQ_HEADER_PREFIX)] + ours


def parse_dead_letter_headers(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    return {k[len(DLQ_HEADER_PREFIX):]: v.decode("utf-8", "replace") for k, v in headers
            if k.startswith(DLQ_HEADER_PREFIX)}
