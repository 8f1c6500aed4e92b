"""The Recognizer record: one candidate pattern with its validator, context words and scoring knobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recognizer:
    name: str
    entity: str
    regex: str  # RE2 syntax: linear-time, no backreferences or lookaround
    score: float
    validate: Callable[[str], bool] | None = None
    group: int = 0  # capture group holding the value (key=value patterns)
    context: tuple[str, ...] = ()
    negative_context: tuple[str, ...] = ()
    ignore_case: bool = False
    # Strip these from the end of the value (URLs followed by punctuation).
    strip_trailing: str = ""
    # On validation failure, retry with trailing space/dash-separated chunks removed.
    trim_chunks: bool = False
    # Extra score when the validator is a strong check (phone numbers parse, not just shape).
    strong_check: Callable[[str], bool] | None = None
    strong_bonus: float = 0.0
    # Score when a context word is present, if higher than score + boost: a checksum-valid
    # number next to its own key name ("nhs number ...") is near-certain and outranks look-alikes.
    context_score: float | None = None
    # Reject matches glued to a larger token (the digit tail of a UUID, a build id).
    standalone: bool = False
    # The validator is a checksum or issuer rule (Luhn + card network, mod-97, base58check, ...):
    # a value that passes it is real whatever words surround it, so negative context never
    # lowers it (an attacker writes "order" before a card number to get it published).
    checksum: bool = False
    # Reject when the text right before the match ends with one of these (case-insensitive):
    # "rv:1.9.2.20" and "Chrome/91.0.4472.124" are versions, not IP addresses.
    reject_after: tuple[str, ...] = ()
    # Reject when the text right after the match starts with one of these: "os.path.join(" is a
    # call and "db.host=" a key, not host names.
    reject_before: tuple[str, ...] = ()
    # Run after the others and skip candidates they already cover: the costly phone parse is
    # not spent on SSNs, cards and dates that a specific recognizer has claimed.
    defer: bool = False
    tags: frozenset[str] = field(default_factory=frozenset)
    # Finds only some mentions of its type (names after a title, country names): the type is not
    # covered by the rules tier on its account (the LLM router still asks about it).
    partial: bool = False
    # A cheaper pattern matching a superset of `regex`, for the hyperscan prefilter only.
    prefilter: str | None = None
    # `validate` rejects every value holding fewer decimal digits than this, and so every
    # trimmed chunk of one: such candidates are dropped before any validator runs (most phone
    # candidates in logs are short digit groups of timestamps, versions and durations).
    min_digits: int = 0

    def __post_init__(self) -> None:
        if self.checksum and self.negative_context:
            raise ValueError(f"recognizer {self.name}: a checksum-validated type takes no negative context")
