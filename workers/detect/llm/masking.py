"""Mask spans earlier detectors (rules) found as `[TYPE]` before the text reaches the model.

The model then neither re-emits nor mangles them and reads fewer tokens; an instruction hidden
in a document cannot touch them either, because rule spans never pass through the model.
`MaskedText` maps offsets in the masked text back to the original.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workers.models import Span


@dataclass(frozen=True)
class _Hole:
    mstart: int  # placeholder range in the masked text
    mend: int
    ostart: int  # masked range in the original text
    oend: int


class MaskedText:
    def __init__(self, text: str, prior: Sequence[Span] = ()):
        self.original = text
        holes: list[_Hole] = []
        parts: list[str] = []
        pos = 0  # original cursor
        mpos = 0  # masked cursor
        for start, end, typ in _union(prior, len(text)):
            parts.append(text[pos:start])
            mpos += start - pos
            ph = f"[{typ}]"
            holes.append(_Hole(mpos, mpos + len(ph), start, end))
            parts.append(ph)
            mpos += len(ph)
            pos = end
        parts.append(text[pos:])
        self.text = "".join(parts)
        self._holes = holes

    def pieces(self, start: int, end: int) -> list[tuple[int, int]]:
        """Original ranges for masked range [start, end), with placeholders cut out.

        A mention lying entirely inside a placeholder yields nothing (rules own it); one that
        straddles a placeholder keeps only its unmasked parts."""
        out: list[tuple[int, int]] = []
        cur = start
        for h in self._holes:
            if h.mend <= cur:
                continue
            if h.mstart >= end:
                break
            if h.mstart > cur:
                out.append((cur, h.mstart))
            cur = max(cur, h.mend)
        if cur < end:
            out.append((cur, end))
        return [self._to_original(a, b) for a, b in out if self.text[a:b].strip()]

    def _to_original(self, a: int, b: int) -> tuple[int, int]:
        # [a, b) contains no placeholder: shift by the length difference of holes before it.
        shift = 0
        for h in self._holes:
            if h.mend <= a:
                shift += (h.oend - h.ostart) - (h.mend - h.mstart)
            else:
                break
        oa, ob = a + shift, b + shift
        # Trim whitespace left at a cut next to a placeholder.
        while oa < ob and self.original[oa].isspace():
            oa += 1
        while ob > oa and self.original[ob - 1].isspace():
            ob -= 1
        return oa, ob


def _union(spans: Sequence[Span], n: int) -> list[tuple[int, int, str]]:
    """Overlapping prior spans merge into one hole named after the longest of them."""
    out: list[tuple[int, int, str, int]] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.start >= n:
            continue
        end = min(s.end, n)
        if out and s.start < out[-1][1]:
            ps, pe, pt, plen = out[-1]
            typ, ln = (s.type, end - s.start) if end - s.start > plen else (pt, plen)
            out[-1] = (ps, max(pe, end), typ, ln)
        else:
            out.append((s.start, end, s.type, end - s.start))
    return [(a, b, t) for a, b, t, _ in out]
