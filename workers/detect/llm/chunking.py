"""Split long texts into overlapping chunks so nothing past the context length is lost.

Chunks break at whitespace where possible; consecutive chunks overlap by `overlap` characters,
so a mention shorter than the overlap is wholly inside at least one chunk. Spans found in the
overlap twice are deduplicated by the caller (same offsets after shifting)."""

from __future__ import annotations


def chunk(text: str, size: int, overlap: int) -> list[tuple[int, str]]:
    """Returns (offset, chunk_text) pairs covering `text`."""
    if size <= 0 or overlap < 0 or overlap >= size:
        raise ValueError("need size > overlap >= 0")
    n = len(text)
    if n <= size:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = 0
    while True:
        end = min(start + size, n)
        if end < n:
            # Prefer to end at whitespace in the last quarter of the chunk.
            cut = text.rfind(" ", start + (3 * size) // 4, end)
            cut = max(cut, text.rfind("\n", start + (3 * size) // 4, end))
            if cut > start:
                end = cut
        out.append((start, text[start:end]))
        if end >= n:
            return out
        nxt = max(end - overlap, start + 1)
        # Start the next chunk at a word boundary inside the overlap, if there is one.
        ws = text.find(" ", nxt, min(end, nxt + overlap // 2))
        start = ws + 1 if ws != -1 else nxt
