"""Span resolution: pure functions, O(n log n) in the number of spans.

Rules, in order:
1. Spans of the same type that overlap merge into one (max score, detector of the best member).
2. Across types, spans are ranked by (score, type priority, length); each span keeps only the
   characters no better span already covers. A span contained in a better one disappears; a
   partial overlap is trimmed. So the union of characters covered never shrinks (except trimmed
   remnants holding no letter or digit): resolution can change a label, never un-redact a value.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterable, Mapping, Sequence

from workers.models import Span


def resolve(spans: Iterable[Span], priority: Mapping[str, int] | None = None, text: str | None = None) -> list[Span]:
    """`text`, when given, lets trimmed remnants made only of punctuation or spaces be dropped."""
    prio = priority or {}
    merged = merge_same_type(spans)
    ranked = sorted(merged, key=lambda s: (-s.score, -prio.get(s.type, 50), -s.length, s.start, s.type))
    starts: list[int] = []
    ends: list[int] = []  # parallel to starts; accepted intervals are disjoint and sorted
    out: list[Span] = []
    for s in ranked:
        for a, b in _uncovered(s.start, s.end, starts, ends):
            if text is not None and (a, b) != (s.start, s.end) and not any(c.isalnum() for c in text[a:b]):
                continue  # a trimmed remnant of only punctuation/space ("+", " ") is not an entity
            frag = s if (a, b) == (s.start, s.end) else Span(start=a, end=b, type=s.type, score=s.score, detector=s.detector)
            i = bisect_right(starts, a)
            starts.insert(i, a)
            ends.insert(i, b)
            out.append(frag)
    out.sort(key=lambda s: s.start)
    return out


def merge_same_type(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.type, s.start, -s.end)):
        last = out[-1] if out else None
        if last is not None and last.type == s.type and s.start < last.end:
            if s.end > last.end or s.score > last.score:
                best = s if s.score > last.score else last
                out[-1] = Span(start=last.start, end=max(last.end, s.end), type=s.type,
                                               score=max(last.score, s.score), detector=best.detector)
        else:
            out.append(s)
    return out


def _uncovered(a: int, b: int, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """Sub-ranges of [a, b) not covered by the accepted disjoint intervals."""
    i = bisect_right(starts, a) - 1
    if i < 0 or ends[i] <= a:
        i += 1
    gaps: list[tuple[int, int]] = []
    cur = a
    while i < len(starts) and starts[i] < b:
        if starts[i] > cur:
            gaps.append((cur, starts[i]))
        cur = max(cur, ends[i])
        i += 1
    if cur < b:
        gaps.append((cur, b))
    return gaps


def echo_spans(text: str, spans: Sequence[Span], min_len: int = 4) -> list[Span]:
    """Every other occurrence of a detected value, as spans of the same type and score.

    A password seen once after `password=` is just as secret where the log repeats it; the LLM
    likewise names a mention once. Occurrences must sit on word boundaries so `john` does not
    eat into `johnson`.
    """
    seen: set[tuple[str, str]] = set()
    covered = {(s.start, s.end) for s in spans}
    out: list[Span] = []
    for s in spans:
        value = text[s.start : s.end]
        if len(value) < min_len or (value, s.type) in seen:
            continue
        seen.add((value, s.type))
        pos = text.find(value)
        while pos >= 0:
            end = pos + len(value)
            if (pos, end) not in covered and _bounded(text, pos, end):
                out.append(Span(start=pos, end=end, type=s.type, score=s.score, detector=s.detector))
            pos = text.find(value, pos + 1)
    return out


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and text[start].isalnum()) and not (after.isalnum() and text[end - 1].isalnum())
