"""Applying a detection result to a parsed record (workers.records): each field redacted on its
own, the output record built from the wire models, and the error record that replaces a failed one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workers.messages import EntityRef, RecordId, RedactError, RedactOutput
from workers.models import Result, Span
from workers.records import _SPAN, FieldRef, FieldSpan, ParsedRecord, RedactedRecord, _find, _Node
from workers.redact import Redactor


def redact_record(parsed: ParsedRecord, result: Result, redactor: Redactor) -> RedactedRecord:
    """Clip the view's spans to each field and redact each field's string on its own.

    Spans are disjoint and fields are ordered, so one merge-walk does it: O(fields + spans).
    The record's body is edited in place: a ParsedRecord is redacted once.
    """
    if parsed._applied:
        raise RuntimeError("a parsed record is redacted once")
    parsed._applied = True
    spans = sorted(result.entities, key=lambda s: s.start)
    entities: list[FieldSpan] = []
    per_field: list[list[Span]] = [[] for _ in parsed.fields]
    j = 0
    for i, f in enumerate(parsed.fields):
        while j < len(spans) and spans[j].end <= f.start:
            j += 1
        k = j
        while k < len(spans) and spans[k].start < f.end:
            s = spans[k]
            lo, hi = max(s.start, f.start) - f.start, min(s.end, f.end) - f.start
            if hi > lo:  # the part of a span on a key name or separator is not a value
                # A span already in field offsets (the main text is laid out first, at 0) is kept
                # as is; others are rebuilt through the validator (model_copy costs 2-3x more).
                per_field[i].append(
                    s
                    if (lo, hi) == (s.start, s.end)
                    else _SPAN({"start": lo, "end": hi, "type": s.type, "score": s.score, "detector": s.detector})
                )
            k += 1
    redacted_text: str | None = None
    for i, f in enumerate(parsed.fields):
        pieces = per_field[i]
        if not pieces:
            continue
        value = parsed.view[f.start : f.end]
        new = redactor.redact(value, pieces)
        path = f.path
        entities.extend(FieldSpan(path, s, i) for s in pieces)
        if f.node is None:
            redacted_text = new
        else:
            _holder(parsed, f)[f.key] = new
    if parsed.body is None and redacted_text is None:
        redacted_text = parsed.view
    return RedactedRecord(body=parsed.body, text=redacted_text if parsed.body is None else None, entities=entities)


def _holder(parsed: ParsedRecord, f: FieldRef) -> Any:
    """The dict or list that holds field f, reached by walking its node chain from the body."""
    assert f.node is not None
    keys: list[str | int] = []
    n: _Node | None = f.node
    while n is not None and n.key is not None:
        keys.append(n.key)
        n = n.parent
    cur: Any = parsed.body
    for key in reversed(keys):
        cur = cur[key]
    return cur


def entity_refs(entities: Sequence[FieldSpan]) -> list[dict[str, Any]]:
    return [
        EntityRef(
            type=e.span.type,
            start=e.span.start,
            end=e.span.end,
            score=e.span.score,
            detector=e.span.detector,
            field=e.field,
        ).model_dump(exclude_none=True)
        for e in entities
    ]


def output_record(red: RedactedRecord, result: Result, id_field: str, text_field: str, doc_id: str) -> dict[str, Any]:
    """One `pii-worker redact` line / one `POST /redact` item: the input record, redacted, with its
    id as given (the line number when it had none), plus entities and `degraded` when set."""
    if red.body is None:
        rec: dict[str, Any] = {id_field: doc_id, text_field: red.text}
    else:
        rec = red.body
        if _find(rec, id_field)[0] is None:
            rec[id_field] = doc_id
    rec["entities"] = entity_refs(red.entities)
    if result.degraded:
        rec["degraded"] = True
    elif "degraded" in rec:
        rec["degraded"] = False  # `degraded` and `entities` are ours: an input's own are replaced
    RedactOutput.model_validate(
        {"id": _record_id(rec, id_field), "entities": rec["entities"], "degraded": result.degraded}
    )
    return rec


def _record_id(rec: dict[str, Any], id_field: str) -> RecordId:
    value = _find(rec, id_field)[2]
    return value if isinstance(value, str | int | float) else str(value)


def error_record(line: int | None, doc_id: str | None, stage: str, error_class: str, message: str) -> dict[str, Any]:
    """Emitted instead of a record that failed; never carries its text."""
    return RedactError.model_validate(
        {"id": doc_id, "error": {"line": line, "stage": stage, "class": error_class, "message": message}}
    ).model_dump(by_alias=True)
