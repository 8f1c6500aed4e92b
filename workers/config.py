"""Pipeline configuration: pydantic-settings from a file and PII_WORKER_* environment variables."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from workers.detect.validators import DEFAULT_PHONE_REGIONS, phone_regions
from workers.records import DEFAULT_MAX_DOCUMENT_BYTES
from workers.taxonomy import Operator

# HMAC-SHA256 keys shorter than this are guessable; a typo'd one-character key must not start.
MIN_HMAC_KEY_BYTES = 16

DetectorName = Literal["rules", "ner", "llm"]
# The cascade order, cheapest first: each detector sees the spans of those before it.
DETECTOR_ORDER = {"rules": 0, "ner": 1, "llm": 2}


class ConfigError(ValueError):
    """Configuration that cannot start a worker; the message says which setting and why."""


class PipelineSettings(BaseSettings):
    """What runs on each document. Env: PII_WORKER_TAXONOMY, PII_WORKER_DETECTORS=rules,ner,llm, ..."""

    model_config = SettingsConfigDict(env_prefix="PII_WORKER_", extra="forbid", env_nested_delimiter="__")

    taxonomy: Path | None = Field(default=None, description="taxonomy YAML; None = bundled default")
    # NoDecode: PII_WORKER_DETECTORS=rules,ner is split below, not parsed as JSON.
    detectors: Annotated[list[DetectorName], NoDecode] = Field(default_factory=lambda: list[DetectorName](["rules"]))
    hmac_key: SecretStr | None = Field(default=None, description="key for pseudonyms and value hashes")
    operators: dict[str, Operator] = Field(default_factory=dict, description="per-type operator overrides")
    default_operator: Operator = Field(default_factory=Operator)
    on_detector_error: Literal["dead_letter", "degraded"] = "dead_letter"
    echo_min_len: int = Field(default=4, ge=0)
    include_values: bool = Field(default=False, description="publish raw values in annotations (off: hashes only)")
    max_document_bytes: int = Field(default=DEFAULT_MAX_DOCUMENT_BYTES, ge=1,
                                    description="larger records are errors / dead letters, never partly scanned")
    # NoDecode: the environment gives "US,GB" (split below), not JSON.
    phone_regions: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_PHONE_REGIONS),
        description="ISO regions tried in order for phone numbers without a country code (US,GB,...)")

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

    def key_bytes(self) -> bytes | None:
        return self.hmac_key.get_secret_value().encode() if self.hmac_key else None


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A YAML/JSON settings file as a mapping; ConfigError naming the file otherwise."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: is a directory, not a config file") from None
    except OSError as e:
        raise ConfigError(f"{p}: cannot read: {e.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p}: not valid YAML: {' '.join(str(e).split())}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: top level must be a mapping of settings")
    return raw


def check_keys(path: str | Path, data: dict[str, Any], known: Iterable[str]) -> None:
    """Misspelt keys fail naming the file and the key (they would otherwise be silently unused)."""
    unknown = sorted(str(k) for k in set(data) - set(known))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)}")


def format_validation_error(e: ValidationError, what: str, env_prefix: str = "PII_WORKER_") -> str:
    """One line: every problem with its key and the environment variable that sets it."""
    problems = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        env = f" (env {env_prefix}{'__'.join(str(p) for p in err['loc']).upper()})" if loc else ""
        problems.append(f"{loc or '(settings)'}{env}: {err['msg']}")
    return f"invalid {what}: {'; '.join(problems)}"


def load_settings(
    cls: type[BaseSettings],
    path: str | Path | None = None,
    *,
    shared_with: Iterable[type[BaseModel]] = (),
    **overrides: Any,
) -> Any:
    """Build settings from (lowest to highest): defaults, config file, environment, overrides.

    A config file may be shared with other settings classes (`shared_with`: `run` reads stream
    and pipeline keys from one file); a key none of them knows is an error.
    """
    data: dict[str, Any] = {}
    where = f" in {path}" if path else ""
    if path is not None:
        raw = read_config_file(path)
        own = set(cls.model_fields)
        check_keys(path, raw, own.union(*(set(c.model_fields) for c in shared_with)))
        data.update({k: v for k, v in raw.items() if k in own})
    try:
        from_env = cls()  # defaults + environment
        data.update({k: getattr(from_env, k) for k in from_env.model_fields_set})
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)  # init arguments take precedence over the environment
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, f"{cls.__name__}{where}")) from None
    except SettingsError as e:  # an environment value that is not even parseable (bad JSON)
        raise ConfigError(f"invalid {cls.__name__}: {' '.join(str(e).split())}") from None
