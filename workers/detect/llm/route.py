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
  * a covered type with cues where an open cue occurs and no earlier detector confidently found
    the type anywhere in the document. A cue occurrence is open unless earlier tiers already
    explain it: it lies inside a confident span (`user` in an e-mail address), or its value slot -
    the first character after the cue and at most `SLOT_GAP` separator characters (`=`, `:`,
    quotes, spaces) - lies inside a confident span of any type (`password=<PASSWORD span>`,
    `Customer <PERSON span>`). The slot rule is for covered types only: a custom type nothing
    before the LLM knows is asked wherever its cue occurs, since the value it names may be further
    on than the span that follows the cue. Nor does a covered type's cue count inside a longer cue
    of another type ("password" in USERNAME's "password for"). A cue glued by `-` or `_` into a
    longer word counts only where that word is a key (`user_name=`, `db-password:`), its slot then
    after the whole key: otherwise the word names something else (`password-reset`, `user_agent`).

"Covered" is learnt from the detectors before the LLM in the pipeline (their `entity_types`);
until the LLM detector is told (`LLMDetector.follow`), nothing counts as covered, so an
unconfigured router asks too much rather than too little.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol

from workers.models import Span

RouteMode = Literal["all", "uncovered", "uncertain"]
ROUTES: tuple[str, ...] = ("all", "uncovered", "uncertain")

# Letters and digits are word characters; `_` and `-` separate words, so the cue "user" occurs in
# `user_id=` and `user-name` (a log key is as good a hint as prose).
_EDGE_L = r"(?:^|[^\pL\pN])"
_EDGE_R = r"(?:[^\pL\pN]|$)"
# How far past a cue its value may start: a key's separators (`=`, `: "`, ` = '`), not prose. A
# letter or digit ends the gap sooner (`password for ...`: the slot is `for`, not explained).
SLOT_GAP = 8
# The longest compound word (`password-reset`) read as one name or key.
_WORD_MAX = 48


class CueMatcher:
    """Does a text hold one of these cue words or phrases (case-insensitive, whole words)?

    RE2: linear in the text whatever the cues are. A phrase's words may be joined by spaces,
    `_` or `-` ("date of birth" occurs in `date_of_birth=`)."""

    def __init__(self, cues: Iterable[str]):
        from workers.detect.engine import compile_re2

        alts = ["[\\s_-]+".join(re.escape(w) for w in c.split()) for c in cues]
        if not alts:
            raise ValueError("a cue matcher needs at least one cue")
        self._re = compile_re2(f"{_EDGE_L}({'|'.join(alts)}){_EDGE_R}", ignore_case=True)

    def search(self, text: str) -> bool:
        return self._re.search(text) is not None

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of each cue occurrence, left to right. The next search starts at the cue's
        end, not the match's: the edge character after one cue may be the edge before the next."""
        pos = 0
        while pos <= len(text):
            m = self._re.search(text, pos)
            if m is None:
                return
            yield m.start(1), m.end(1)
            pos = m.end(1)


class _Cover:
    """The union of confident spans as sorted disjoint intervals: is a position inside one?"""

    def __init__(self, spans: Iterable[Span]):
        merged: list[list[int]] = []
        for s in sorted(spans, key=lambda s: s.start):
            if merged and s.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], s.end)
            else:
                merged.append([s.start, s.end])
        self._starts = [a for a, _ in merged]
        self._ends = [b for _, b in merged]

    def covers(self, pos: int) -> bool:
        k = bisect.bisect_right(self._starts, pos) - 1
        return k >= 0 and pos < self._ends[k]

    def starts_at(self, pos: int) -> bool:
        k = bisect.bisect_left(self._starts, pos)
        return k < len(self._starts) and self._starts[k] == pos


def open_cue(occurrences: Iterable[tuple[int, int]], text: str, cover: _Cover) -> bool:
    """Is one of these cue occurrences in `text` not explained by earlier tiers (module doc)?
    Each occurrence is checked once and its slot scan stops at a letter or digit, where the next
    occurrence may start: linear in the text (log of the span count per occurrence)."""
    n = len(text)
    for start, end in occurrences:
        if cover.covers(start):
            continue  # part of a value already found (`user` inside an e-mail address)
        word_end = _compound_end(text, start, end)
        if word_end is not None:
            if not _is_key(text, word_end):
                continue  # a compound name (`password-reset`, `reset-password?token=`): no value slot
            end = word_end  # a compound key (`user_name=`): its value slot follows the whole key
        pos = end
        while pos < n and pos - end < SLOT_GAP and not cover.starts_at(pos) and not text[pos].isalnum():
            pos += 1
        if pos < n and cover.covers(pos):
            continue  # the value slot holds a confident span
        return True
    return False


def _compound_end(text: str, start: int, end: int) -> int | None:
    """Where the word holding the cue ends, when the cue is glued to letters or digits by `-` or
    `_` (`password-reset`, `reset-password`, `user_name`); None for a cue standing alone."""
    glued = (start >= 2 and text[start - 1] in "-_" and text[start - 2].isalnum()) or (
        end + 1 < len(text) and text[end] in "-_" and text[end + 1].isalnum()
    )
    if not glued:
        return None
    stop = min(len(text), end + _WORD_MAX)
    while end < stop and (text[end].isalnum() or text[end] in "-_"):
        end += 1
    # A longer run is no key name: read as a cue standing alone (a bounded scan per cue keeps the
    # router linear however many cues one long run holds).
    return end if end < stop or stop == len(text) else None


def _is_key(text: str, pos: int) -> bool:
    """Is the word ending at `pos` a key: followed by `=` or `:` (after spaces and a quote)?"""
    stop = min(len(text), pos + SLOT_GAP)
    while pos < stop and text[pos] in " \t\"'":
        pos += 1
    return pos < stop and text[pos] in "=:"


def _outside_longer(own: list[tuple[int, int]], others: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`own` occurrences not inside a longer occurrence in `others` (both sorted by start, each
    list non-overlapping): "password" in "Failed password for jsmith" belongs to USERNAME's cue
    "password for", whose slot is the user name, not to PASSWORD's. A merge of the two lists."""
    keep: list[tuple[int, int]] = []
    k = 0
    for a, b in own:
        while k < len(others) and others[k][1] < b:
            k += 1
        inside = k < len(others) and others[k][0] <= a and others[k][1] - others[k][0] > b - a
        if not inside:
            keep.append((a, b))
    return keep


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
        """The types to ask about in `text` (the original text; `prior` the earlier detectors'
        spans on it), in taxonomy order; empty when the document should not reach the LLM."""
        if self.mode == "all":
            return self.types
        if self.mode == "uncovered":
            return self.uncovered
        unsure = {s.type for s in prior if self.unsure(s)}
        sure = [s for s in prior if self.confident(s)]
        found = {s.type for s in sure}
        inside = _Cover(sure)
        occ = {t: list(c.finditer(text)) for t, c in self._cues.items()}
        pick: list[str] = []
        for t in self.types:
            if t in unsure:
                pick.append(t)
            elif t not in self.covered:
                if t not in occ or any(not inside.covers(a) for a, _ in occ[t]):
                    pick.append(t)
            elif t in occ and t not in found and occ[t]:
                mine = occ[t]
                for u, theirs in occ.items():
                    if u != t and theirs and mine:
                        mine = _outside_longer(mine, theirs)
                if open_cue(mine, text, inside):
                    pick.append(t)
        return tuple(pick)


def covered_types(earlier: Iterable[Any]) -> set[str]:
    """The entity types the given detectors produce (each detector's `entity_types`; a detector
    that does not say covers nothing, so the LLM keeps asking about everything it handles)."""
    out: set[str] = set()
    for det in earlier:
        out.update(getattr(det, "entity_types", None) or ())
    return out
