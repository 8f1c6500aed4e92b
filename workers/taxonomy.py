"""The PII taxonomy is data: entity types with guidelines, examples, detectors and operators.

A taxonomy YAML is validated into typed models; a bad file fails with the file, the entry and the
field named, so a user editing their own taxonomy sees exactly what to fix.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from workers.errors import ConfigError
from workers.settings import format_validation_error

DetectorKind = Literal["rules", "ner", "llm"]
OperatorKind = Literal["replace", "mask", "pseudonym", "drop", "keep"]

NAME_PATTERN = r"^[A-Z][A-Z0-9_]{1,63}$"


class TaxonomyError(ConfigError):
    """A taxonomy file that cannot be used; the message names file, entry and field."""


class Operator(BaseModel):
    """How a detected value is rewritten. `pseudonym` needs an HMAC key at start-up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: OperatorKind = "replace"
    # mask: character used and how many trailing characters stay visible.
    mask_char: str = Field(default="*", min_length=1, max_length=1)
    keep_last: int = Field(default=0, ge=0, le=8)
    # replace: template, {type} is the entity type.
    template: str = "[{type}]"


class Example(BaseModel):
    """An example text; `values` are the mentions of this type in it (empty for negatives)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    values: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _values_in_text(self) -> Example:
        for v in self.values:
            if v not in self.text:
                raise ValueError(f"example value {v!r} does not occur in its text {self.text!r}")
        return self


class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    positive: list[Example] = Field(default_factory=list)
    negative: list[Example] = Field(default_factory=list)

    @field_validator("negative")
    @classmethod
    def _negatives_have_no_values(cls, v: list[Example]) -> list[Example]:
        if any(e.values for e in v):
            raise ValueError("negative examples must not list values")
        return v


class CustomPattern(BaseModel):
    """A user-defined rule (RE2 syntax, linear time). `group` selects the value in the match."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    regex: str = Field(min_length=1)
    score: float = Field(default=0.8, ge=0.0, le=1.0)
    group: int = Field(default=0, ge=0)
    ignore_case: bool = False

    # Checked at load so a bad file fails naming its entry and field, not inside the rules engine.
    @field_validator("regex")
    @classmethod
    def _linear_time(cls, v: str) -> str:
        _re2_groups(v)
        return v

    @field_validator("group")
    @classmethod
    def _group_exists(cls, v: int, info: ValidationInfo) -> int:
        regex = info.data.get("regex")
        if regex is not None and v > (groups := _re2_groups(regex)):
            raise ValueError(f"group {v} does not exist: the regex has {groups} capture group(s)")
        return v


def _re2_groups(regex: str) -> int:
    """Capture groups of an RE2 pattern; ValueError naming what RE2 cannot run (backreferences,
    lookaround, possessive or atomic groups) without RE2 logging the error to stderr."""
    import re2

    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = 64 << 20
    try:
        return int(re2.compile(regex, opts).groups)
    except re2.error as e:
        reason = e.args[0].decode("utf-8", "replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        hint = ""
        if any(x in regex for x in ("(?=", "(?!", "(?<=", "(?<!")):
            hint = " (lookaround is not supported)"
        elif "(?>" in regex:
            hint = " (atomic groups are not supported)"
        elif any(x in regex for x in ("*+", "++", "?+", "}+")):
            hint = " (possessive quantifiers are not supported)"
        elif any(f"\\{d}" in regex for d in "123456789"):
            hint = " (backreferences are not supported)"
        raise ValueError(f"regex is not supported by RE2, the linear-time engine: {reason}{hint}") from None


LABEL_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"


class NerMapping(BaseModel):
    """Which encoder labels make an entity type, and how adjacent label spans join into one mention.

    Checked against nothing model-specific here; the ner detector checks, when it starts, that its
    model knows every label listed (workers/detect/ner/labels.py).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Encoder labels without the B-/I- prefix, e.g. [GIVEN_NAME, SURNAME].
    labels: list[Annotated[str, Field(pattern=LABEL_PATTERN)]] = Field(min_length=1)
    # A mention must hold at least one of these labels (empty: any listed label may stand alone),
    # e.g. an address needs a street name: a lone building number is a port or a count.
    requires: list[str] = Field(default_factory=list)
    # Characters besides whitespace that may separate two adjacent label spans joined into one
    # mention ("," joins "Springfield, IL"). Only punctuation: words never join.
    join: str = ""
    # Longest separator (characters) that still joins.
    max_gap: int = Field(default=3, ge=0, le=16)
    # Words that may stand between two label spans of one mention, though the encoder leaves them
    # unlabelled (address keywords: "Views Suite 381"); compared case-insensitively.
    join_words: list[str] = Field(default_factory=list)
    # Words that never make a mention of this type on their own (compared case-insensitively):
    # protocol and log vocabulary the encoder reads as names ("Bearer" before a token).
    exclude: list[str] = Field(default_factory=list)
    # Two labels [FIRST, THEN] of a name written inverted, "Franco, Debra" ([SURNAME, GIVEN_NAME]):
    # a THEN span joins the word directly before ", " into one mention (ner/names.py: inverted_names).
    inverted: list[str] = Field(default_factory=list)

    @field_validator("labels")
    @classmethod
    def _unique_labels(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("label listed twice")
        return v

    @field_validator("exclude")
    @classmethod
    def _words(cls, v: list[str]) -> list[str]:
        out = [w.casefold() for w in v]
        bad = [w for w in out if not w or any(c.isspace() for c in w)]
        if bad:
            raise ValueError(f"exclude lists single words, not {bad}")
        return out

    @field_validator("join_words")
    @classmethod
    def _alnum_words(cls, v: list[str]) -> list[str]:
        out = [w.casefold() for w in v]
        bad = [w for w in out if not w.isalnum()]
        if bad:
            raise ValueError(f"join_words lists words of letters and digits, not {bad}")
        return out

    @field_validator("join")
    @classmethod
    def _punctuation(cls, v: str) -> str:
        bad = sorted({c for c in v if c.isalnum() or c == "_"})
        if bad:
            raise ValueError(f"join may hold punctuation only, not {''.join(bad)!r}")
        return v

    @model_validator(mode="after")
    def _requires_listed(self) -> NerMapping:
        extra = [r for r in self.requires if r not in self.labels]
        if extra:
            raise ValueError(f"requires names labels not in labels: {extra}")
        if self.inverted and (len(self.inverted) != 2 or any(x not in self.labels for x in self.inverted)):
            raise ValueError("inverted names two of labels: [FIRST, THEN] as in [SURNAME, GIVEN_NAME]")
        return self


class EntityType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    guideline: str = Field(min_length=10)
    examples: Examples = Field(default_factory=Examples)
    detectors: list[DetectorKind] = Field(min_length=1)
    operator: Operator = Field(default_factory=Operator)
    # Tie-break for overlapping spans of different types: higher wins (specific beats generic).
    priority: int = Field(default=50, ge=0, le=100)
    # Spans scoring below this are not reported nor redacted.
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    # Extra rules for this type, on top of the built-in recognizers.
    patterns: list[CustomPattern] = Field(default_factory=list)
    # Words near a candidate that raise its score (added to the built-in ones).
    context: list[str] = Field(default_factory=list)
    # RE2 the text of an LLM mention of this type must contain (search, not full match); mentions
    # without it are rejected, e.g. a "date of birth" without a digit ("next week").
    mention_pattern: str | None = None
    # Names of people and places: in text that uses capitals, an LLM mention whose words are not
    # capitalised (name particles such as "van", "de" aside) is rejected ("idea", "my brother").
    proper_noun: bool = False
    # Encoder (ner detector) labels that make this type; absent = the label of the same name.
    ner: NerMapping | None = None
    # Words that suggest a mention of this type may be present (matched case-insensitively as whole
    # words). The LLM router (workers/detect/llm/route.py) asks the LLM about this type only on
    # documents holding one of them; no cues = ask on every document. Every positive example must
    # hold one, so the list is at least as wide as the examples the guideline gives.
    cues: list[str] = Field(default_factory=list)

    @field_validator("cues")
    @classmethod
    def _cues(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        for c in v:
            c = " ".join(c.lower().split())
            if not (1 <= len(c) <= 40) or not any(ch.isalnum() for ch in c):
                raise ValueError(f"cue {c!r} must be 1-40 characters with a letter or digit")
            if c in out:
                raise ValueError(f"cue {c!r} listed twice")
            out.append(c)
        return out

    @model_validator(mode="after")
    def _cues_fit(self) -> EntityType:
        if self.cues and "llm" not in self.detectors:
            raise ValueError("cues route documents to the LLM: only for types whose detectors include llm")
        if self.cues:
            from workers.detect.llm.route import CueMatcher  # the router's own matcher, so they agree

            m = CueMatcher(self.cues)
            for ex in self.examples.positive:
                if not m.search(ex.text):
                    raise ValueError(
                        f"no cue occurs in positive example {ex.text!r}: the router would not "
                        "send such a text to the LLM (add a cue)"
                    )
        return self

    @field_validator("mention_pattern")
    @classmethod
    def _re2(cls, v: str | None) -> str | None:
        if v is not None:
            from workers.detect.engine import compile_re2  # RE2 only: linear time on model output

            compile_re2(v)
        return v

    @field_validator("detectors")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("detectors listed twice")
        return v

    @model_validator(mode="after")
    def _ner_block_needs_ner(self) -> EntityType:
        if self.ner is not None and "ner" not in self.detectors:
            raise ValueError("a ner block maps encoder labels: only for types whose detectors include ner")
        return self

    def ner_labels(self) -> list[str]:
        """Encoder labels that make this type (its own name when there is no ner block)."""
        return list(self.ner.labels) if self.ner is not None else [self.name]


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str = ""
    entities: list[EntityType] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Taxonomy:
        seen: set[str] = set()
        for e in self.entities:
            if e.name in seen:
                raise ValueError(f"entity type {e.name} defined twice")
            seen.add(e.name)
        return self

    @cached_property
    def by_name(self) -> dict[str, EntityType]:
        return {e.name: e for e in self.entities}

    @cached_property
    def priority(self) -> dict[str, int]:
        return {e.name: e.priority for e in self.entities}

    def names(self) -> list[str]:
        return [e.name for e in self.entities]

    def rule_entities(self) -> list[EntityType]:
        return [e for e in self.entities if "rules" in e.detectors]

    def ner_entities(self) -> list[EntityType]:
        return [e for e in self.entities if "ner" in e.detectors]

    def llm_entities(self) -> list[EntityType]:
        return [e for e in self.entities if "llm" in e.detectors]

    @cached_property
    def fingerprint(self) -> str:
        """Content hash: two workers agree on a taxonomy iff fingerprints match."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


def default_taxonomy_path() -> Path:
    return Path(str(resources.files("workers") / "data" / "pii.yaml"))


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file (the bundled default when `path` is None)."""
    p = Path(path) if path is not None else default_taxonomy_path()
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaxonomyError(f"{p}: taxonomy file not found") from None
    except IsADirectoryError:
        raise TaxonomyError(f"{p}: is a directory; give the taxonomy YAML file") from None
    except OSError as e:
        raise TaxonomyError(f"{p}: cannot read the taxonomy file: {e.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise TaxonomyError(f"{p}: not valid YAML: {e}") from None
    return parse_taxonomy(raw, source=str(p))


def parse_taxonomy(raw: object, source: str = "<taxonomy>") -> Taxonomy:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{source}: top level must be a mapping with name, version, entities")
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as e:
        raise TaxonomyError(_explain(e, raw, source)) from None


def _explain(err: ValidationError, raw: dict, source: str) -> str:
    def key_path(loc: tuple[int | str, ...]) -> str:
        # An entity's problems name the entry and its type name: "entry 3 (IBAN_CODE) field 'patterns.0.regex'".
        if len(loc) >= 2 and loc[0] == "entities" and isinstance(loc[1], int):
            ents = raw.get("entities") or []
            name = ents[loc[1]].get("name") if loc[1] < len(ents) and isinstance(ents[loc[1]], dict) else None
            field = ".".join(str(x) for x in loc[2:]) or "(entry)"
            return f"entry {loc[1]}" + (f" ({name})" if name else "") + f" field '{field}'"
        return f"field '{'.'.join(str(x) for x in loc) or '(top level)'}'"

    return format_validation_error(err, "taxonomy", source=source, key_path=key_path)
