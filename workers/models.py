"""Wire and domain types shared by every stage. One Span type end to end."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Span(BaseModel):
    """A detected entity: half-open character range [start, end) into the original text."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    type: str
    score: float = Field(ge=0.0, le=1.0)
    # "rules:<recognizer>" or "llm" - every span records who found it.
    detector: str

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} must be > start {self.start}")
        return self

    @property
    def length(self) -> int:
        return self.end - self.start


class Document(BaseModel):
    """A unit of work: the text to scan plus fields that pass through untouched."""

    id: str
    text: str
    extra: dict[str, Any] = Field(default_factory=dict)


class Result(BaseModel):
    """Outcome of the pipeline for one document."""

    id: str
    text: str  # redacted
    entities: list[Span]
    detectors: list[str]
    degraded: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)
    # Detectors that chose not to run on this document (the LLM router sent it no further): with
    # `detectors` they account for every configured detector, so fail-closed checks accept it.
    skipped: list[str] = Field(default_factory=list)


class Failure(BaseModel):
    """A record the pipeline could not process; it goes to the dead-letter path, never out."""

    id: str | None
    stage: str  # ingest | detect | redact | publish (stream output) | pipeline (the whole batch failed)
    error_class: str
    message: str


class DeadLetter(BaseModel):
    """Headers attached to a dead-lettered record (the value is the original bytes)."""

    stage: str
    error_class: str
    message: str
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None


# Trusted constructors: for hot paths whose values already hold the model's constraints (Span:
# 0 <= start < end, 0 <= score <= 1; Result: entities are Spans, lists of str). They skip
# validation (pydantic's own model_construct is slower than validating); the fields go into the
# instance dict in declaration order, as validation puts them (serialisers follow that order).
# tests/unit/test_models.py compares their objects with validated ones.
_new = object.__new__
_set = object.__setattr__
_SPAN_FIELDS = set(Span.model_fields)
_RESULT_FIELDS = set(Result.model_fields)


def span_unchecked(start: int, end: int, type: str, score: float, detector: str) -> Span:  # noqa: A002
    obj = _new(Span)
    _set(obj, "__dict__", {"start": start, "end": end, "type": type, "score": score, "detector": detector})
    _set(obj, "__pydantic_fields_set__", _SPAN_FIELDS.copy())  # its own: model_copy updates it
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def result_unchecked(
    id: str,  # noqa: A002
    text: str,
    entities: list[Span],
    detectors: list[str],
    degraded: bool,
    extra: dict[str, Any],
    skipped: list[str],
) -> Result:
    obj = _new(Result)
    _set(
        obj,
        "__dict__",
        {
            "id": id,
            "text": text,
            "entities": entities,
            "detectors": detectors,
            "degraded": degraded,
            "extra": extra,
            "skipped": skipped,
        },
    )
    _set(obj, "__pydantic_fields_set__", _RESULT_FIELDS.copy())
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj
