"""Gold documents and the builder that records exact offsets of every typed piece."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

PII_TYPES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "LOCATION",
    "DATE_OF_BIRTH",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "URL",
    "USERNAME",
    "PASSWORD",
    "API_KEY",
    "ACCESS_TOKEN",
    "CRYPTO",
    "MEDICAL_RECORD_NUMBER",
    "DOMAIN_NAME",
)
# Decoy kinds: values shaped like PII that are not PII.
DECOY_TYPES: tuple[str, ...] = (
    "ORDER_ID",
    "UUID",
    "TIMESTAMP",
    "VERSION",
    "HEX_HASH",
    "PORT",
    "MESSAGE_ID",
    # security logs: machine/service/built-in accounts, role names, 0.0.0.0 and loopback
    "NON_PERSONAL",
    # security logs: SIDs, logon ids, flow/connection ids, provider object ids
    "RESOURCE_ID",
)


class GoldSpan(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> GoldSpan:
        if self.end <= self.start:
            raise ValueError(f"gold span end {self.end} must be > start {self.start}")
        return self


class GoldDoc(BaseModel):
    id: str
    text: str
    spans: list[GoldSpan]
    format: str | None = None
    decoys: list[GoldSpan] = Field(default_factory=list)

    def values(self) -> list[tuple[str, str]]:
        return [(s.type, self.text[s.start : s.end]) for s in self.spans]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class _Builder:
    """Appends literal and typed pieces, recording exact offsets of the typed ones."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.spans: list[GoldSpan] = []
        self.decoys: list[GoldSpan] = []

    def t(self, s: str) -> _Builder:
        self.parts.append(s)
        self.n += len(s)
        return self

    def pii(self, typ: str, value: str) -> _Builder:
        assert value, typ
        self.spans.append(GoldSpan(type=typ, start=self.n, end=self.n + len(value)))
        return self.t(value)

    def decoy(self, kind: str, value: str) -> _Builder:
        self.decoys.append(GoldSpan(type=kind, start=self.n, end=self.n + len(value)))
        return self.t(value)

    def text(self) -> str:
        return "".join(self.parts)
