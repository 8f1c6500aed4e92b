"""Windows over long token sequences, and length-bucketed batches of windows. Pure.

An encoder sees at most `size` tokens at a time (512 positions minus the special tokens). Longer
texts are cut into windows that overlap by `overlap` tokens; each token's prediction is taken from
the window where it sits furthest from an edge (the split is the middle of each overlap), so an
entity near a cut is read with context on both sides and never split between two guesses made
without it. Cost: linear in the number of tokens (each token is read at most twice when
overlap <= size / 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Tokens [start, end) of document `doc` go to the model; predictions for [own_start, own_end)
    are kept."""

    doc: int
    start: int
    end: int
    own_start: int
    own_end: int

    @property
    def length(self) -> int:
        return self.end - self.start


def plan_windows(doc: int, n_tokens: int, size: int, overlap: int) -> list[Window]:
    """Windows covering n_tokens tokens; consecutive windows share `overlap` tokens (the last one is
    aligned to the end, so it may share more). Their owned ranges partition [0, n_tokens)."""
    if size < 1:
        raise ValueError("window size must be >= 1")
    if not 0 <= overlap < size:
        raise ValueError("overlap must be >= 0 and smaller than the window size")
    if n_tokens <= 0:
        return []
    if n_tokens <= size:
        return [Window(doc, 0, n_tokens, 0, n_tokens)]
    step = size - overlap
    starts = list(range(0, n_tokens - size, step))
    starts.append(n_tokens - size)
    spans = [(s, s + size) for s in starts]
    out: list[Window] = []
    own_start = 0
    for k, (s, e) in enumerate(spans):
        if k + 1 < len(spans):
            nxt = spans[k + 1][0]
            own_end = (nxt + e) // 2  # middle of the overlap with the next window
        else:
            own_end = n_tokens
        out.append(Window(doc, s, e, own_start, own_end))
        own_start = own_end
    return out


def buckets(windows: Sequence[Window], batch_size: int, batch_tokens: int | None = None) -> list[list[Window]]:
    """Batches of similar length: sorted by length, then cut every `batch_size` windows or before
    the padded batch (windows x longest) would pass `batch_tokens`, so each batch pads to the
    longest of windows of nearly the same length (little work is spent on padding). A window
    longer than `batch_tokens` runs alone."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    ordered = sorted(windows, key=lambda w: (w.length, w.doc, w.start))
    out: list[list[Window]] = []
    cur: list[Window] = []
    for w in ordered:
        # sorted ascending: w is the longest of cur + [w]
        if cur and (len(cur) >= batch_size or (batch_tokens is not None and (len(cur) + 1) * w.length > batch_tokens)):
            out.append(cur)
            cur = []
        cur.append(w)
    if cur:
        out.append(cur)
    return out
