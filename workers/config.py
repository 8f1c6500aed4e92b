"""Pipeline configuration: what runs on each document (workers.settings loads it).

`PipelineConfig` is the file half (typed, unknown keys rejected: the Serve config embeds it);
`PipelineSettings` adds the PII_WORKER_* environment on top.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from workers.detect.validators import DEFAULT_PHONE_REGIONS, phone_regions
from workers.errors import ConfigError
from workers.records import DEFAULT_MAX_DOCUMENT_BYTES
from workers.settings import ConfigFile, Settings, format_validation_error, load_settings
from workers.taxonomy import Operator

log = logging.getLogger(__name__)

# HMAC-SHA256 keys shorter than this are guessable; a typo'd one-character key must not start.
MIN_HMAC_KEY_BYTES = 16

DetectorName = Literal["rules", "ner", "llm"]
# The cascade order, cheapest first: each detector sees the spans of those before it.
DETECTOR_ORDER = {"rules": 0, "ner": 1, "llm": 2}


class PipelineConfig(BaseModel):
    """What runs on each document, as a config file gives it."""

    model_config = ConfigDict(extra="forbid")

    taxonomy: Path | None = Field(default=None, description="taxonomy YAML; None = bundled default")
    # NoDecode: PII_WORKER_DETECTORS=rules,ner is split below, not parsed as JSON.
    detectors: Annotated[list[DetectorName], NoDecode] = Field(default_factory=lambda: list[DetectorName](["rules"]))
    hmac_key: SecretStr | None = Field(default=None, description="key for pseudonyms and value hashes")
    operators: dict[str, Operator] = Field(default_factory=dict, description="per-type operator overrides")
    default_operator: Operator = Field(default_factory=Operator)
    on_detector_error: Literal["dead_letter", "degraded"] = "dead_letter"
    echo_min_len: int = Field(default=4, ge=0)
    include_values: bool = Field(default=False, description="publish raw values in annotations (off: hashes only)")
    max_document_bytes: int = Field(
        default=DEFAULT_MAX_DOCUMENT_BYTES,
        ge=1,
        description="larger records are errors / dead letters, never partly scanned",
    )
    # NoDecode: the environment gives "US,GB" (split below), not JSON.
    phone_regions: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_PHONE_REGIONS),
        description="ISO regions tried in order for phone numbers without a country code (US,GB,...)",
    )

    @field_validator("hmac_key")
    @classmethod
    def _key_length(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and len(v.get_secret_value().encode()) < MIN_HMAC_KEY_BYTES:
            raise ValueError(f"hmac_key must be at least {MIN_HMAC_KEY_BYTES} bytes (use a random secret)")
        return v

    @field_validator("phone_regions", mode="before")
    @classmethod
    def _regions(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.split(",")
        return list(phone_regions(v)) if isinstance(v, (list, tuple)) else v

    @field_validator("detectors", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        if isinstance(v, str):
            # "rules,ner" or a JSON list '["rules","ner"]' (the form pydantic-settings used to need)
            v = v.strip().strip("[]")
            v = [p.strip().strip("\"'") for p in v.split(",") if p.strip().strip("\"'")]
        return v

    @field_validator("detectors")
    @classmethod
    def _rules_first(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("at least one detector is required")
        if len(set(v)) != len(v):
            raise ValueError("detector listed twice")
        # Rules, then the encoder, then the LLM: the LLM sees earlier spans masked and is routed
        # by the encoder's unsure spans.
        return sorted(v, key=lambda d: DETECTOR_ORDER[d])


class PipelineSettings(Settings, PipelineConfig):
    """PipelineConfig + environment. Env: PII_WORKER_TAXONOMY, PII_WORKER_DETECTORS=rules,ner,llm, ..."""

    model_config = SettingsConfigDict(env_prefix="PII_WORKER_", env_nested_delimiter="__")

    def key_bytes(self) -> bytes | None:
        return self.hmac_key.get_secret_value().encode() if self.hmac_key else None

    def hash_key(self) -> bytes:
        """The key for annotation value hashes: the configured one, else a random key for this
        process only (hashes then link values within it alone: fine for a demo, wrong for a fleet)."""
        key = self.key_bytes()
        if key is None:
            log.warning(
                "no hmac_key configured (PII_WORKER_HMAC_KEY): annotation value hashes use a random "
                "per-process key and are not comparable across workers or restarts"
            )
            key = os.urandom(32)
        return key


__all__ = [
    "DETECTOR_ORDER",
    "MIN_HMAC_KEY_BYTES",
    "ConfigError",
    "ConfigFile",
    "DetectorName",
    "PipelineConfig",
    "PipelineSettings",
    "format_validation_error",
    "load_settings",
]
