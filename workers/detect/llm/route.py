"""The cascade router: which documents the LLM sees, and which entity types it is asked about.

Detectors run rules -> ner -> llm. The LLM is the expensive tier, so for each document the router
picks the LLM-handled types worth asking about (an empty pick = the document is routed away):

- `all`: every type on every document (no routing).
- `uncovered`: on every document, only the types no earlier detector of the pipeline produces
  (custom types, or types whose encoder labels the loaded encoder does not have).
- `uncertain` (default):
  * an uncovered type with no cues on every document; one with cues only where a cue occurs;
  * a type an earlier detector was unsure about: a prior span scoring below its type's
    `min_score` (the encoder's hints, which the pipeline drops) or inside the configured band;
  * a covered type with cues where a cue occurs but no earlier detector confidently found it.

"Covered" is learnt from the detectors before the LLM in the pipeline (their `entity_types`);
until the LLM detector is told (`LLMDetector.follow`), nothing counts as covered, so an
unconfigured router asks too much rather than too little.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol

from workers.models import Span

RouteMode = Literal["all", "uncovered", "uncertain"]
ROUTES: tuple[str, ...] = ("all", "uncovered", "uncertain")

# Letters and digits are word characters; `_` and `-` separate words, so the cue "user" occurs in
# `user_id=` and `user-name` (a log key is as good a hint as prose).
_EDGE_L = r"(?:^|[^\pL\pN])"
_EDGE_R = r"(?:[^\pL\pN]|$)"


class CueMatcher:
    """Does a text hold one of these cue words or phrases (case-insensitive, whole words)?

    RE2: linear in the text whatever the cues are. A phrase's words may be joined by spaces,
    `_` or `-` ("date of birth" occurs in `date_of_birth=`)."""

    def __init__(self, cues: Iterable[str]):
        from workers.detect.engine import compile_re2

        alts = ["[\\s_-]+".join(re.escape(w) for w in c.split()) for c in cues]
        if not alts:
            raise ValueError("a cue matcher needs at least one cue")
        self._re = compile_re2(f"{_EDGE_L}(?:{'|'.join(alts)}){_EDGE_R}", ignore_case=True)

    def search(self, text: str) -> bool:
        return self._re.search(text) is not None


class _RoutedType(Protocol):
    name: str
    cues: Any  # list[str]
    min_score: float


class LLMRouter:
    def __init__(
        self,
        entities: Sequence[_RoutedType],
        mode: RouteMode = "uncertain",
        *,
        min_score: dict[str, float] | None = None,
        band: tuple[float, float] | None = None,
        covered: Iterable[str] = (),
    ):
        if mode not in ROUTES:
            raise ValueError(f"unknown llm_route {mode!r}; choose one of {ROUTES}")
        if band is not None and not (0.0 <= band[0] < band[1] <= 1.0):
            raise ValueError(f"uncertain band must be 0 <= low < high <= 1, got {band}")
        self.mode = mode
        self.types = tuple(e.name for e in entities)
        self._cues = {e.name: CueMatcher(e.cues) for e in entities if getattr(e, "cues", None)}
        # Thresholds of every type an earlier detector may report (hints of non-LLM types too).
        self._min = {e.name: e.min_score for e in entities} | dict(min_score or {})
        self.band = band
        self.covered: frozenset[str] = frozenset()
        self.set_covered(covered)

    def set_covered(self, covered: Iterable[str]) -> None:
        self.covered = frozenset(covered) & frozenset(self.types)

    @property
    def uncovered(self) -> tuple[str, ...]:
        return tuple(t for t in self.types if t not in self.covered)

    def confident(self, s: Span) -> bool:
        return s.score >= self._min.get(s.type, 0.0)

    def unsure(self, s: Span) -> bool:
        if s.detector == "llm":
            return False
        if not self.confident(s):
            return True
        return self.band is not None and self.band[0] <= s.score < self.band[1]

    def types_for(self, text: str, prior: Sequence[Span]) -> tuple[str, ...]:
        """The types to ask about in `text` (rule/encoder spans masked), in taxonomy order;
        empty when the document should not reach the LLM."""
        if self.mode == "all":
            return self.types
        if self.mode == "uncovered":
            return self.uncovered
        unsure = {s.type for s in prior if self.unsure(s)}
        found = {s.type for s in prior if self.confident(s)}
        pick: list[str] = []
        for t in self.types:
            cue = self._cues.get(t)
            if t in unsure:
                pick.append(t)
            elif t not in self.covered:
                if cue is None or cue.search(text):
                    pick.append(t)
            elif cue is not None and t not in found and cue.search(text):
                pick.append(t)
        return tuple(pick)


def covered_types(earlier: Iterable[Any]) -> set[str]:
    """The entity types the given detectors produce (each detector's `entity_types`; a detector
    that does not say covers nothing, so the LLM keeps asking about everything it handles)."""
    out: set[str] = set()
    for det in earlier:
        out.update(getattr(det, "entity_types", None) or ())
    return out
