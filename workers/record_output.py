"""Applying a detection result to a parsed record (workers.records): each field redacted on its
own, the output record built from the wire models, and the error record that replaces a failed one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workers.messages import EntityRef, RecordId, RedactError, RedactOutput
from workers.models import Result, Span
from workers.records import _SPAN, FieldSpan, ParsedRecord, RedactedRecord, _find, _Node
from workers.redact import Redactor

# Appended to a redacted key that another key of its object already holds: `[EMAIL_ADDRESS]#2`.
KEY_SUFFIX = "#"


def redact_record(parsed: ParsedRecord, result: Result, redactor: Redactor) -> RedactedRecord:
    """Clip the view's spans to each field and redact each field's string on its own.

    Spans are disjoint and fields are ordered, so one merge-walk does it: O(fields + spans).
    The record's body is edited in place: a ParsedRecord is redacted once. Keys holding a detection
    are replaced by their redacted form after every value is written (see rename_keys).
    """
    if parsed._applied:
        raise RuntimeError("a parsed record is redacted once")
    parsed._applied = True
    spans = sorted(result.entities, key=lambda s: s.start)
    per_field: list[list[Span]] = [[] for _ in parsed.fields]
    j = 0
    for i, f in enumerate(parsed.fields):
        while j < len(spans) and spans[j].end <= f.start:
            j += 1
        k = j
        while k < len(spans) and spans[k].start < f.end:
            s = spans[k]
            lo, hi = max(s.start, f.start) - f.start, min(s.end, f.end) - f.start
            if hi > lo:  # the part of a span on a separator or an array label is in no field
                # A span already in field offsets (the main text is laid out first, at 0) is kept
                # as is; others are rebuilt through the validator (model_copy costs 2-3x more).
                per_field[i].append(
                    s
                    if (lo, hi) == (s.start, s.end)
                    else _SPAN({"start": lo, "end": hi, "type": s.type, "score": s.score, "detector": s.detector})
                )
            k += 1
    redacted_text: str | None = None
    new_id: str | None = None
    renames: list[tuple[_Node, str, str]] = []
    for i, f in enumerate(parsed.fields):
        pieces = per_field[i]
        if not pieces:
            continue
        value = parsed.view[f.start : f.end]
        if f.is_id and f.node is not None:
            # An id must stay distinct per record and joinable with its annotations: pseudonyms
            # (an operator that keeps values keeps the id as given).
            new = redactor.pseudonymize(value, pieces)
            if new != value:
                new_id = f.node.container[f.key] = new
            continue
        new = redactor.redact(value, pieces)
        if f.node is None:
            redacted_text = new
        elif f.is_key:
            if new != value:  # an operator that keeps values (annotate only) keeps the key too
                renames.append((f.node, value, new))
        else:
            f.node.container[f.key] = new
    if renames:
        rename_keys(renames)
    # Paths are named after the renames: an entity under a redacted key never names the raw key.
    entities: list[FieldSpan] = []
    for i, f in enumerate(parsed.fields):
        if per_field[i]:
            path = f.path
            entities.extend(FieldSpan(path, s, i) for s in per_field[i])
    if parsed.body is None and redacted_text is None:
        redacted_text = parsed.view
    return RedactedRecord(
        body=parsed.body, text=redacted_text if parsed.body is None else None, entities=entities, doc_id=new_id
    )


def rename_keys(renames: Sequence[tuple[_Node, str, str]]) -> None:
    """Replace keys by their redacted form, each object rebuilt once in its own order (linear).

    Two keys must never land on one output key (one value would silently overwrite the other), so
    an output key already taken - by a key that stays, or by an earlier renamed key of the same
    object - gets the first free suffix `#2`, `#3`, ...; each redacted form keeps its own counter,
    so all the tries together are linear in the object's size.
    """
    by_node: dict[int, tuple[_Node, dict[str, str]]] = {}
    for node, old, new in renames:  # in layout order, which is each object's own order
        by_node.setdefault(id(node), (node, {}))[1][old] = new
    for node, wanted in by_node.values():
        obj: dict[str, Any] = node.container
        taken = {k for k in obj if k not in wanted}
        counters: dict[str, int] = {}
        final: dict[str, str] = {}
        for old, new in wanted.items():
            n = counters.get(new, 1)
            out = new if n == 1 else f"{new}{KEY_SUFFIX}{n}"
            while out in taken:
                n += 1
                out = f"{new}{KEY_SUFFIX}{n}"
            counters[new] = n
            taken.add(out)
            final[old] = out
        items = list(obj.items())
        obj.clear()  # in place: the parent and the output record hold this very dict
        for k, v in items:
            obj[final.get(k, k)] = v
        node.renamed = final


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
