"""Pipeline configuration: pydantic-settings from a file and PII_WORKER_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workers.taxonomy import Operator

DetectorName = Literal["rules", "llm"]


class ConfigError(ValueError):
    """Configuration that cannot start a worker; the message says which setting and why."""


class PipelineSettings(BaseSettings):
    """What runs on each document. Env: PII_WORKER_TAXONOMY, PII_WORKER_DETECTORS=rules,llm, ..."""

    model_config = SettingsConfigDict(env_prefix="PII_WORKER_", extra="ignore", env_nested_delimiter="__")

    taxonomy: Path | None = Field(default=None, description="taxonomy YAML; None = bundled default")
    detectors: list[DetectorName] = Field(default_factory=lambda: ["rules"])
    hmac_key: SecretStr | None = Field(default=None, description="key for pseudonyms and value hashes")
    operators: dict[str, Operator] = Field(default_factory=dict, description="per-type operator overrides")
    default_operator: Operator = Field(default_factory=Operator)
    on_detector_error: Literal["dead_letter", "degraded"] = "dead_letter"
    echo_min_len: int = Field(default=4, ge=0)
    include_values: bool = Field(default=False, description="publish raw values in annotations (off: hashes only)")

    @field_validator("detectors", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [p.strip() for p in v.split(",") if p.strip()]
        return v

    @field_validator("detectors")
    @classmethod
    def _rules_first(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("at least one detector is required")
        if len(set(v)) != len(v):
            raise ValueError("detector listed twice")
        # Rules run first so the LLM sees their spans masked.
        return sorted(v, key=lambda d: d != "rules")

    def key_bytes(self) -> bytes | None:
        return self.hmac_key.get_secret_value().encode() if self.hmac_key else None


def load_settings(cls: type[BaseSettings], path: str | Path | None = None, **overrides: Any) -> Any:
    """Build settings from (lowest to highest): defaults, config file, environment, overrides."""
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"{p}: config file not found") from None
        except yaml.YAMLError as e:
            raise ConfigError(f"{p}: not valid YAML: {e}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{p}: top level must be a mapping")
        data.update(raw)
    try:
        from_env = cls()  # defaults + environment
        data.update({k: getattr(from_env, k) for k in from_env.model_fields_set})
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)  # init arguments take precedence over the environment
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, x['loc'])) or '(top)'}: {x['msg']}" for x in e.errors())
        raise ConfigError(f"invalid {cls.__name__}{f' in {path}' if path else ''}: {problems}") from None
