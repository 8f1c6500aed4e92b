"""The output contract of the extractor: a JSON schema for constrained decoding and the pydantic
models that parse what the engine returned. Model output is data: parsed, never evaluated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from workers.errors import PiiWorkerError


class MalformedOutput(PiiWorkerError, ValueError):
    """The engine's text is not valid JSON of the expected shape."""


class Mention(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    text: str


class Extraction(BaseModel):
    """All-types answer: `{"entities": [{"text": "...", "type": T}]}`."""

    model_config = ConfigDict(extra="ignore")

    entities: list[Mention] = Field(default_factory=list)


class TypeExtraction(BaseModel):
    """One-type-per-query answer: `{"mentions": ["...", ...]}`."""

    model_config = ConfigDict(extra="ignore")

    mentions: list[str] = Field(default_factory=list)


def _text_schema(max_chars: int) -> dict[str, Any]:
    # No square brackets: rule spans reach the model as `[TYPE]` placeholders, and on log lines the
    # 1.5B model spent a third of its mentions re-emitting them (dropped anyway, tokens wasted).
    # The bound is repeated in the pattern because xgrammar ignores maxLength next to a pattern.
    return {"type": "string", "minLength": 1, "maxLength": max_chars, "pattern": f"^[^\\[\\]]{{1,{max_chars}}}$"}


def extraction_schema(types: Sequence[str], *, max_items: int, max_chars: int) -> dict[str, Any]:
    """Types restricted to the taxonomy's names; bounded item count and mention length so a
    looping model ends in valid (short) JSON instead of being truncated mid-string."""
    if not types:
        raise ValueError("no entity types for the extraction schema")
    return {
        "type": "object",
        "properties": {
            "entities": {
                "type": "array",
                "maxItems": max_items,
                "items": {
                    "type": "object",
                    # Mention first, then its type: the model copies the span, then labels it.
                    "properties": {"text": _text_schema(max_chars), "type": {"enum": list(types)}},
                    "required": ["text", "type"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["entities"],
        "additionalProperties": False,
    }


def grouped_schema(types: Sequence[str], *, max_items: int, max_chars: int) -> dict[str, Any]:
    """All-types answer keyed by type: `{"PERSON": ["..."], ...}`. The type name is written once
    per type instead of once per mention and empty types are left out: fewer decoded tokens (37 vs
    52 per dev sentence), but the 1.5B model hallucinated far more with it (docs/benchmarks.md),
    so the list shape is the default."""
    if not types:
        raise ValueError("no entity types for the extraction schema")
    item = {"type": "array", "minItems": 1, "maxItems": max_items, "items": _text_schema(max_chars)}
    return {"type": "object", "properties": {t: item for t in types}, "additionalProperties": False}


def type_schema(*, max_items: int, max_chars: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"mentions": {"type": "array", "maxItems": max_items, "items": _text_schema(max_chars)}},
        "required": ["mentions"],
        "additionalProperties": False,
    }


def parse_extraction(raw: str, allowed: Sequence[str]) -> list[Mention]:
    """Parse an all-types answer; mentions of types outside `allowed` are dropped (a model
    behind an HTTP API may ignore the schema)."""
    try:
        ex = Extraction.model_validate_json(raw)
    except ValidationError as e:
        raise MalformedOutput(_short(e)) from None
    ok = set(allowed)
    return [m for m in ex.entities if m.type in ok and m.text.strip()]


_Grouped = TypeAdapter(dict[str, list[str]])


def parse_grouped(raw: str, allowed: Sequence[str]) -> list[Mention]:
    try:
        ex = _Grouped.validate_json(raw)
    except ValidationError as e:
        raise MalformedOutput(_short(e)) from None
    ok = set(allowed)
    return [Mention(type=t, text=x) for t, xs in ex.items() if t in ok for x in xs if x.strip()]


def parse_type_extraction(raw: str, type_name: str) -> list[Mention]:
    try:
        ex = TypeExtraction.model_validate_json(raw)
    except ValidationError as e:
        raise MalformedOutput(_short(e)) from None
    return [Mention(type=type_name, text=t) for t in ex.mentions if t.strip()]


def _short(e: ValidationError) -> str:
    errs = e.errors()
    if not errs:
        return "invalid"
    first = errs[0]
    return f"{len(errs)} error(s); first: {first['type']} at {first['loc']}: {first['msg']}"
