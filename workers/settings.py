"""The one settings loader: defaults < config file < PII_WORKER_* environment < explicit values.

Every settings class (pipeline, stream, LLM, encoder) derives from `Settings` and is built by
`load_settings`; the Serve config embeds their file-only halves (PipelineConfig, StreamConfig,
...) as typed sub-models. A config file is read once (`ConfigFile`) and may be shared by several
settings classes: each takes its own keys, and a key none of them knows is an error naming the
file and the key (a misspelt key would otherwise be silently unused).

This module sits below `workers.detect` (it imports nothing of the package but `errors`), so
the detectors' settings can use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from workers.errors import ConfigError

# The file's values for the class being built: a settings source below the environment, passed
# through a context variable because pydantic-settings builds its sources inside the constructor.
_FILE_VALUES: ContextVar[Mapping[str, Any] | None] = ContextVar("pii_worker_config_file", default=None)

S = TypeVar("S", bound="Settings")


@dataclass(frozen=True)
class ConfigFile:
    """A YAML/JSON settings file, read once: a flat mapping of keys to values."""

    path: Path
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str | Path) -> ConfigFile:
        """ConfigError naming the file when it is missing, unreadable, not YAML or not a mapping."""
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
        return cls(p, raw)

    def check_keys(self, *models: type[BaseModel]) -> None:
        """Fail naming the file and every key none of `models` has."""
        known = set().union(*(m.model_fields for m in models))
        unknown = sorted(str(k) for k in set(self.data) - known)
        if unknown:
            raise ConfigError(f"{self.path}: unknown setting(s): {', '.join(unknown)}")


def format_validation_error(
    e: ValidationError,
    what: str,
    *,
    source: str | Path | None = None,
    env_prefix: str | None = None,
    key_path: Callable[[tuple[int | str, ...]], str] | None = None,
) -> str:
    """One line for every way a config is invalid: the source, then each key path and message
    (with the environment variable that sets the key, for settings read from the environment).
    `key_path` renders a location its own way (the taxonomy names the entry). Input values are
    never shown: a rejected value may be a secret or personal data."""
    problems = []
    for err in e.errors():
        loc = tuple(err["loc"])
        path = key_path(loc) if key_path else ".".join(str(p) for p in loc) or "(top level)"
        env = f" (env {env_prefix}{'__'.join(str(p) for p in loc).upper()})" if env_prefix and loc else ""
        msg = "unknown key (misspelt?)" if err["type"] == "extra_forbidden" else err["msg"]
        problems.append(f"{path}{env}: {msg.removeprefix('Value error, ')}")
    head = f"{source}: " if source is not None else ""
    return f"{head}invalid {what}: {'; '.join(problems)}"


class Settings(BaseSettings):
    """Base of every settings class: unknown keys are errors, and a config file (given to
    `load_settings`) is a source below the environment."""

    model_config = SettingsConfigDict(extra="forbid", validate_default=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        data = _FILE_VALUES.get()
        if data is not None:
            sources.append(InitSettingsSource(settings_cls, init_kwargs=dict(data)))
        return tuple(sources)

    @classmethod
    def load(
        cls,
        source: str | Path | ConfigFile | None = None,
        *,
        shared_with: Iterable[type[BaseModel]] = (),
        **overrides: Any,
    ) -> Self:
        """`load_settings(cls, ...)`."""
        return load_settings(cls, source, shared_with=shared_with, **overrides)


def load_settings(
    cls: type[S],
    source: str | Path | ConfigFile | None = None,
    *,
    shared_with: Iterable[type[BaseModel]] = (),
    **overrides: Any,
) -> S:
    """Build `cls` from (lowest to highest): defaults, the config file, the environment,
    `overrides` (None values ignored: an unset flag). The file may be shared with the classes
    in `shared_with`; a key none of them knows is an error. Raises ConfigError (one line)."""
    file = ConfigFile.read(source) if isinstance(source, str | Path) else source
    data: dict[str, Any] | None = None
    if file is not None:
        file.check_keys(cls, *shared_with)
        data = {k: v for k, v in file.data.items() if k in cls.model_fields}
    what = f"{cls.__name__}"
    token = _FILE_VALUES.set(data)
    try:
        return cls(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        raise ConfigError(
            format_validation_error(
                e, what, source=file.path if file else None, env_prefix=cls.model_config.get("env_prefix")
            )
        ) from None
    except SettingsError as e:  # an environment value that is not even parseable (bad JSON)
        raise ConfigError(f"invalid {what}: {' '.join(str(e).split())}") from None
    finally:
        _FILE_VALUES.reset(token)


__all__ = ["ConfigError", "ConfigFile", "Settings", "format_validation_error", "load_settings"]
