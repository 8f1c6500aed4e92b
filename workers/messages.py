"""Typed shapes of every message that crosses a process boundary, and their JSON Schemas.

Every output record (CLI lines, HTTP answers, the three stream outputs) is built through these
models (workers.records), so what is published is what the schemas promise.
`python -m workers.messages` regenerates schemas/*.schema.json; a unit test fails when the checked-in
files drift from these models, so consumers of our topics can rely on them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from workers.models import DeadLetter

RecordId = str | int | float


class InputDocument(BaseModel):
    """A JSON input record (field names configurable). Every string and object key in it, nested
    objects and arrays included, is scanned and redacted; the id is scanned too and kept as it is
    unless it holds an entity, which is then replaced by a keyed pseudonym `[TYPE:<hash>]`."""

    model_config = ConfigDict(extra="allow")
    id: RecordId | None = None
    text: str


class EntityRef(BaseModel):
    """An entity in CLI/HTTP output: offsets into the original string of its field."""

    type: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float = Field(ge=0, le=1)
    detector: str
    field: str | None = Field(
        default=None,
        description="JSON path in the output of the string holding it (text, meta.ssn, items[2].email; "
        'a key: path + "~", users["[EMAIL_ADDRESS]"]~); absent for plain-text input',
    )


class RedactOutput(BaseModel):
    """One line of `pii-worker redact` output and one item of `POST /redact` responses: the input
    record with every string and key redacted (other keys and non-string values as they were), plus entities."""

    model_config = ConfigDict(extra="allow")
    id: RecordId = Field(description="the input id as given, else the line number")
    text: str | None = Field(default=None, description="redacted text")
    entities: list[EntityRef]
    degraded: bool = False


class RedactError(BaseModel):
    """Emitted instead of a document that could not be processed; never carries its text."""

    class Detail(BaseModel):
        model_config = ConfigDict(populate_by_name=True)

        line: int | None = None
        stage: str
        error_class: str = Field(alias="class")
        message: str

    id: str | None
    error: Detail


class SourceRef(BaseModel):
    topic: str
    partition: int
    offset: int


class PiiMeta(BaseModel):
    source: SourceRef
    taxonomy_version: str | None
    detectors: list[str]
    degraded: bool


class RedactedMessage(BaseModel):
    """Redacted topic: the input document with PII replaced, plus `_pii` metadata."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    pii: PiiMeta = Field(alias="_pii")


class EntityAnnotation(EntityRef):
    value_hash: str | None = Field(default=None, description="keyed HMAC-SHA256 of the value")
    value: str | None = Field(default=None, description="raw value; only when explicitly configured")


class AnnotationsMessage(BaseModel):
    """Annotations topic: per document, the entities found (never raw values by default)."""

    id: str | None
    source: SourceRef
    taxonomy_version: str | None
    entities: list[EntityAnnotation]


WIRE_MODELS: dict[str, type[BaseModel]] = {
    "input-document": InputDocument,
    "redact-output": RedactOutput,
    "redact-error": RedactError,
    "redacted-message": RedactedMessage,
    "annotations-message": AnnotationsMessage,
    "dead-letter-headers": DeadLetter,
}


def schema_files() -> dict[str, str]:
    return {
        f"{name}.schema.json": json.dumps(model.model_json_schema(by_alias=True), indent=2, sort_keys=True) + "\n"
        for name, model in WIRE_MODELS.items()
    }


def main(out: str = "schemas") -> int:
    for fname, text in schema_files().items():
        Path(out, fname).write_text(text)
        print(f"wrote {out}/{fname}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
