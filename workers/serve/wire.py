"""The `pii-worker redact` JSON contract, shared by the HTTP route: parsing and serialising.

In:  JSONL (one {"id", "text"} object per line) or JSON (one object, or an array of them).
Out: the same framing, one {"id", "text" (redacted), "entities": [{"type","start","end","score",
     "detector"}]} per input, offsets into the original text; a record the pipeline could not
     process comes back as {"id", "error": {"stage", "error_class", "message"}} - never its text.
"""

from __future__ import annotations

from typing import Any

import orjson

from workers.models import Document, Failure, Result


class BadRequest(ValueError):
    """A request the caller must fix; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _doc(obj: Any, where: str) -> Document:
    if not isinstance(obj, dict):
        raise BadRequest(f"{where}: expected a JSON object with 'id' and 'text', got {type(obj).__name__}")
    if "text" not in obj:
        raise BadRequest(f"{where}: missing field 'text'")
    if not isinstance(obj["text"], str):
        raise BadRequest(f"{where}: field 'text' must be a string")
    if "id" not in obj:
        raise BadRequest(f"{where}: missing field 'id'")
    if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool):
        raise BadRequest(f"{where}: field 'id' must be a string or an integer")
    extra = {k: v for k, v in obj.items() if k not in ("id", "text")}
    return Document(id=str(obj["id"]), text=obj["text"], extra=extra)


def parse_jsonl(body: bytes, max_docs: int) -> list[Document]:
    docs: list[Document] = []
    for n, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            raise BadRequest(f"line {n}: invalid JSON: {e}") from None
        docs.append(_doc(obj, f"line {n}"))
        if len(docs) > max_docs:
            raise BadRequest(f"more than {max_docs} documents in one request", status=413)
    if not docs:
        raise BadRequest("no documents in request body")
    return docs


def parse_json(body: bytes, max_docs: int) -> tuple[list[Document], bool]:
    """Returns (docs, is_array)."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"invalid JSON: {e}") from None
    if isinstance(obj, list):
        if not obj:
            raise BadRequest("empty array: no documents")
        if len(obj) > max_docs:
            raise BadRequest(f"more than {max_docs} documents in one request", status=413)
        return [_doc(o, f"item {i}") for i, o in enumerate(obj)], True
    return [_doc(obj, "body")], False


def result_json(r: Result | Failure) -> dict[str, Any]:
    if isinstance(r, Failure):
        return {"id": r.id, "error": {"stage": r.stage, "error_class": r.error_class, "message": r.message}}
    return {
        "id": r.id,
        "text": r.text,
        "entities": [
            {"type": s.type, "start": s.start, "end": s.end, "score": s.score, "detector": s.detector}
            for s in r.entities
        ],
    }


def dump_jsonl(results: list[Result | Failure]) -> bytes:
    return b"".join(orjson.dumps(result_json(r)) + b"\n" for r in results)
