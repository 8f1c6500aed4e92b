"""Candidate boundaries for the rules tier (workers.detect.rules): where a validated candidate ends
once trailing groups are trimmed, and whether it is glued to a larger token. Each looks at a
bounded slice around one candidate."""

from __future__ import annotations

from workers.detect.patterns import Recognizer


def _next_chunk(text: str, start: int, end: int) -> int | None:
    """Start of the chunk after the first separator inside [start, end)."""
    for i in range(start + 1, end):
        if text[i - 1] in " -.()" and text[i] not in " -.()":
            return i
    return None


def _chunk_ends(rec: Recognizer, text: str, start: int, end: int) -> list[int]:
    """`end`, then (with trim_chunks) up to three shorter ends at space/dash separators: the
    pattern may have swallowed a following group ("DE89 3704 ... 00 2024", "+1 415-555-2671 123")."""
    ends = [end]
    if rec.trim_chunks:
        cut = end
        for _ in range(3):
            cut = max(text.rfind(" ", start, cut), text.rfind("-", start, cut))
            if cut <= start:
                break
            ends.append(cut)
    return ends


def _below_floor(rec: Recognizer, value: str) -> bool:
    """True when `value` has fewer ASCII digits than the recognizer's digit floor and is ASCII
    (so its validator rejects it unseen: Recognizer.min_digits). Shorter chunks of it too."""
    return bool(rec.min_digits) and value.isascii() and len(value) - len(value.translate(_NO_DIGITS)) < rec.min_digits


_NO_DIGITS = str.maketrans("", "", "0123456789")


def _validated_end(rec: Recognizer, text: str, start: int, end: int) -> int | None:
    validate = rec.validate
    if validate is None or validate(text[start:end]):
        return end
    if not rec.trim_chunks:
        return None
    for e in _chunk_ends(rec, text, start, end)[1:]:
        value = text[start:e]
        if _below_floor(rec, value):
            return None  # and every shorter chunk
        if validate(value):
            return e
    return None


def _strong_end(rec: Recognizer, text: str, start: int, end: int, validated: bool = False) -> int | None:
    """The first of the chunk ends whose value passes the validator and the strong check;
    `validated`: text[start:end] is known to pass the validator (not run again on it)."""
    strong = rec.strong_check
    assert strong is not None
    validate = rec.validate
    for e in _chunk_ends(rec, text, start, end):
        value = text[start:e]
        if e != end and _below_floor(rec, value):
            return None  # fails the validator, and so does every shorter chunk
        if (validate is None or (validated and e == end) or validate(value)) and strong(value):
            return e
    return None


def _glued(text: str, start: int, end: int) -> bool:
    """True when [start, end) continues a larger token across - _ / . (e.g. a UUID's last group)."""
    return _glued_left(text, start) or (end + 1 < len(text) and text[end] in "-_/." and text[end + 1].isdigit())


def _glued_left(text: str, start: int) -> bool:
    """The half of `_glued` that looks only left of `start`: true for every end when true for one
    (the rules use it to drop a candidate before its costly checks)."""
    if start >= 2 and text[start - 1] in "-_/." and text[start - 2].isalnum():
        return True
    if start >= 2 and text[start - 1] == ":" and text[start - 2].isalnum():
        # host:port ("api-7.example.internal:8443"), but not key:value ("phone:5551234567").
        # A bounded window, not the whole prefix: this runs per candidate.
        window = text[max(0, start - 64) : start - 1]
        token = window.rsplit(None, 1)[-1] if window.strip() else ""
        if "." in token or "-" in token:
            return True
    return False


def _after_word(text: str, start: int, end: int) -> bool:
    """A validated value glued only on its left, to a word of letters ("order-4111111111111111",
    "sku_5555555555554444"): a label, not the tail of an id such as a UUID's last group."""
    if end + 1 < len(text) and text[end] in "-_/." and text[end + 1].isalnum():
        return False
    i = start - 2
    while i >= 0 and start - i <= 66 and text[i].isalpha():
        i -= 1
    return i < start - 2 and (i < 0 or not text[i].isalnum())
