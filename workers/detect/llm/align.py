"""Map model mentions back to character offsets.

A mention is matched at *every* occurrence in the text (a name that appears twice is redacted
twice): exact matches first; only if there are none, a whitespace- and case-normalised match.
Occurrences glued to a longer word ("Al" inside "Also") are skipped. A mention that cannot be
found at all was not in the text: it is dropped and counted as a hallucination.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workers.detect.llm.schema import Mention

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Aligned:
    start: int
    end: int
    type: str
    exact: bool


@dataclass
class AlignStats:
    mentions: int = 0
    hallucinations: int = 0
    normalised: int = 0

    def add(self, other: AlignStats) -> None:
        self.mentions += other.mentions
        self.hallucinations += other.hallucinations
        self.normalised += other.normalised


class NormalisedText:
    """Casefolded text with whitespace runs collapsed to one space, plus the map back."""

    def __init__(self, text: str):
        chars: list[str] = []
        starts: list[int] = []  # original index of each normalised char
        ends: list[int] = []  # original end (exclusive) of each normalised char
        i, n = 0, len(text)
        while i < n:
            if text[i].isspace():
                j = i
                while j < n and text[j].isspace():
                    j += 1
                chars.append(" ")
                starts.append(i)
                ends.append(j)
                i = j
                continue
            # casefold() can expand one char into several ("ß" -> "ss"); all map to the same char.
            for c in text[i].casefold():
                chars.append(c)
                starts.append(i)
                ends.append(i + 1)
            i += 1
        self.text = "".join(chars)
        self._starts = starts
        self._ends = ends

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self._starts[start], self._ends[end - 1]


def normalise(s: str) -> str:
    return _WS.sub(" ", s.casefold()).strip()


def _occurrences(hay: str, needle: str) -> Iterable[int]:
    i = hay.find(needle)
    while i != -1:
        yield i
        i = hay.find(needle, i + 1)


def _glued(text: str, start: int, end: int) -> bool:
    """True if the match cuts through a word: alnum on both sides of a boundary."""
    left = start > 0 and text[start - 1].isalnum() and text[start].isalnum()
    right = end < len(text) and text[end].isalnum() and text[end - 1].isalnum()
    return left or right


def align(text: str, mentions: Sequence[Mention], *, min_chars: int = 2) -> tuple[list[Aligned], AlignStats]:
    stats = AlignStats()
    out: set[Aligned] = set()
    norm: NormalisedText | None = None
    for m in mentions:
        needle = m.text.strip()
        stats.mentions += 1
        if len(needle) < min_chars:
            # One character matches almost anywhere; it is never a useful mention.
            stats.hallucinations += 1
            continue
        found = [
            Aligned(s, s + len(needle), m.type, True)
            for s in _occurrences(text, needle)
            if not _glued(text, s, s + len(needle))
        ]
        if not found:
            if norm is None:
                norm = NormalisedText(text)
            nn = normalise(needle)
            for s in _occurrences(norm.text, nn) if nn else ():
                a, b = norm.to_original(s, s + len(nn))
                if not _glued(text, a, b):
                    found.append(Aligned(a, b, m.type, False))
            if found:
                stats.normalised += 1
        if not found:
            stats.hallucinations += 1
            continue
        out.update(found)
    return sorted(out, key=lambda a: (a.start, a.end, a.type)), stats
