"""Span resolution: pure functions, O(n log n) in the number of spans.

Rules, in order:
1. Spans of the same type that overlap merge into one (max score, detector of the best member).
2. Across types, spans are ranked by (score, type priority, length); each span keeps only the
   characters no better span already covers. A span contained in a better one disappears; a
   partial overlap is trimmed. So the union of characters covered never shrinks (except trimmed
   remnants holding no letter or digit): resolution can change a label, never un-redact a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter

from workers.models import Span


def resolve(spans: Iterable[Span], priority: Mapping[str, int] | None = None, text: str | None = None) -> list[Span]:
    """`text`, when given, lets trimmed remnants made only of punctuation or spaces be dropped.

    O(m log m) in the number of spans (plus the remnant checks, O(n) per type): the span
    boundaries cut the line into elementary segments, each span covers a contiguous range of
    them, and a union-find over segments skips those a better span already claimed. (Sorted
    lists with insert() were O(m^2) on hostile documents.)"""
    prio = priority or {}
    spans = list(spans)
    by_start = sorted(spans, key=_START)
    # Disjoint input (the usual case): nothing merges (same-type merging needs an overlap) and
    # every span keeps all its characters; starts are distinct, so the order is the same too.
    prev = None
    for s in by_start:  # a loop, not all(genexpr): no generator per document
        if prev is not None and prev.end > s.start:
            return _resolve_overlaps(merge_same_type(spans), prio, text)
        prev = s
    return by_start


def _resolve_overlaps(merged: list[Span], prio: Mapping[str, int], text: str | None) -> list[Span]:
    """Rule 2 over same-type-merged spans (the general path of resolve)."""
    ranked = sorted(merged, key=lambda s: (-s.score, -prio.get(s.type, 50), -s.length, s.start, s.type))
    bounds = sorted({p for s in merged for p in (s.start, s.end)})
    index = {p: i for i, p in enumerate(bounds)}
    claimed = _Claimed(len(bounds))
    out: list[Span] = []
    for s in ranked:
        hi = index[s.end]
        i = claimed.next_free(index[s.start])
        while i < hi:
            j = i  # extend over consecutive unclaimed segments: one gap of this span
            while j + 1 < hi and claimed.is_free(j + 1):
                j += 1
            a, b = bounds[i], bounds[j + 1]
            # A trimmed remnant of only punctuation/space ("+", " ") is not an entity; its
            # characters stay free for a lower-ranked span.
            if text is None or (a, b) == (s.start, s.end) or any(c.isalnum() for c in text[a:b]):
                out.append(
                    s
                    if (a, b) == (s.start, s.end)
                    else Span(start=a, end=b, type=s.type, score=s.score, detector=s.detector)
                )
                claimed.claim(i, j + 1)
            i = claimed.next_free(j + 1)
    out.sort(key=lambda s: s.start)
    return out


_START = attrgetter("start")


class _Claimed:
    """Segments 0..n-2 with "next unclaimed segment at or after i" by union-find (path halving)."""

    def __init__(self, nbounds: int) -> None:
        self._next = list(range(max(nbounds, 1)))  # the last index is a sentinel, never claimed

    def next_free(self, i: int) -> int:
        nxt = self._next
        while nxt[i] != i:
            nxt[i] = nxt[nxt[i]]
            i = nxt[i]
        return i

    def is_free(self, i: int) -> bool:
        return self._next[i] == i

    def claim(self, lo: int, hi: int) -> None:
        for k in range(lo, hi):
            self._next[k] = k + 1


def merge_same_type(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.type, s.start, -s.end)):
        last = out[-1] if out else None
        if last is not None and last.type == s.type and s.start < last.end:
            if s.end > last.end or s.score > last.score:
                best = s if s.score > last.score else last
                out[-1] = Span(
                    start=last.start,
                    end=max(last.end, s.end),
                    type=s.type,
                    score=max(last.score, s.score),
                    detector=best.detector,
                )
        else:
            out.append(s)
    return out


def echo_spans(text: str, spans: Sequence[Span], min_len: int = 4, few: int = 8) -> list[Span]:
    """Every other occurrence of a detected value, as spans of the same type and score.

    A password seen once after `password=` is just as secret where the log repeats it; the LLM
    likewise names a mention once. Occurrences must sit on word boundaries so `john` does not
    eat into `johnson`.

    Linear in the text: up to `few` distinct values, one C-level str.find pass each; beyond,
    one pass over the text's atoms (see _occurrences) instead of one scan per value, which was
    O(n * values) on documents full of distinct addresses.
    """
    # Usual case first: every value occurs only where it was detected (two C-level finds per
    # span), so there is nothing to echo. Each find scans the text, so only for `few` spans:
    # on a document of many spans it would be O(n * spans).
    if len(spans) <= few:
        for s in spans:
            value = text[s.start : s.end]
            if len(value) >= min_len and (text.find(value) != s.start or text.find(value, s.start + 1) >= 0):
                break
        else:
            return []
    kinds: dict[str, list[Span]] = {}  # value -> first span of each type holding it
    for s in spans:
        value = text[s.start : s.end]
        if len(value) < min_len:
            continue
        per = kinds.setdefault(value, [])
        if all(p.type != s.type for p in per):
            per.append(s)
    if not kinds:
        return []
    covered = {(s.start, s.end) for s in spans}
    found = _occurrences_find(text, kinds) if len(kinds) <= few else _occurrences(text, kinds)
    out: list[Span] = []
    for pos, end in found:
        if (pos, end) in covered or not _bounded(text, pos, end):
            continue
        for s in kinds[text[pos:end]]:
            out.append(Span(start=pos, end=end, type=s.type, score=s.score, detector=s.detector))
    return out


def _occurrences_find(text: str, values: Iterable[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for value in values:
        pos = text.find(value)
        while pos >= 0:
            out.append((pos, pos + len(value)))
            pos = text.find(value, pos + 1)
    return out


# An atom is a maximal run of letters/digits or one other character ([^\W_] is str.isalnum).
_ATOM = re.compile(r"[^\W_]+|[\W_]")


def _occurrences(text: str, values: Mapping[str, object]) -> list[tuple[int, int]]:
    """Occurrences on word boundaries (the only ones echo_spans keeps). Such an occurrence starts
    and ends on atom boundaries of the text, so it is a run of whole atoms equal to the value's
    own atoms: index the values by (first atom, atom count) and, at each atom of the text, look
    up the few candidate substrings. O(atoms + hits * distinct atom counts per first atom)."""
    counts: dict[str, set[int]] = {}
    for value in values:
        first = _ATOM.match(value)
        if first is not None:
            counts.setdefault(first.group(), set()).add(len(_ATOM.findall(value)))
    starts = [m.start() for m in _ATOM.finditer(text)]
    starts.append(len(text))
    last = len(starts) - 1
    out: list[tuple[int, int]] = []
    for i in range(last):
        a = starts[i]
        ks = counts.get(text[a : starts[i + 1]])
        if ks is None:
            continue
        for k in ks:
            if i + k <= last:
                b = starts[i + k]
                if text[a:b] in values:
                    out.append((a, b))
    return out


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and text[start].isalnum()) and not (after.isalnum() and text[end - 1].isalnum())
