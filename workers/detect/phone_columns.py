"""Phone numbers in a phone column of a delimited table (CSV, TSV, semicolon, Markdown pipes): far
below their header no context word is near them, so the rules' context scoring cannot see them."""

from __future__ import annotations

import re

from workers.detect import validators as v
from workers.models import Span, span_unchecked

# A table column holding phone numbers: "phone", "Mobile No.", "home_tel", "contact phone number".
_PHONE_HEADER = re.compile(
    r"(?:[a-z0-9]+[ _.-])*(?:[a-z]*phone|tel|telephone|mobile|mob|cell|msisdn|fax)(?:[ _.-]?(?:number|num|no|nr|#)\.?)?"
)
_PHONE_CELL = re.compile(r"\+?\(?\d[\d ()./-]{5,22}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?", re.IGNORECASE)
_DELIMITERS = (",", ";", "\t", "|")
# Every header _PHONE_HEADER accepts contains one of these (a necessary condition, checked once
# per document before any line is split).
PHONE_HINT = re.compile(r"phone|tel|mob|cell|msisdn|fax", re.IGNORECASE)
_COLUMN_PHONE_SCORE = 0.85  # the header names the column, as a key names a value


def _phone_header(line: str) -> tuple[str, int, frozenset[int]] | None:
    """(delimiter, cell count, phone column indices) when `line` is a table header naming a phone column."""
    low = line.lower()
    for delim in _DELIMITERS:
        if delim not in low:
            continue
        cells = low.split(delim)
        cols = frozenset(i for i, c in enumerate(cells) if _PHONE_HEADER.fullmatch(c.strip().strip("\"'`*").strip()))
        if cols:
            return delim, len(cells), cols
    return None


def column_phones(text: str) -> list[Span]:
    """Bare numbers in a phone column of a delimited table (CSV, TSV, semicolon, Markdown pipes):
    far below their header no context word is near them. A row with another cell count ends the
    table. Each line is split once per delimiter: linear in the text."""
    out: list[Span] = []
    hint = PHONE_HINT.search(text)
    if hint is None:
        return out  # no line can be a phone column header: skip the walk over lines
    # Start of the next header word: only a line holding one can be a header (each search
    # resumes past the previous one: linear).
    next_hint = hint.start()
    header: tuple[str, int, frozenset[int]] | None = None
    pos, n = 0, len(text)
    while pos <= n:
        if next_hint < pos:
            hint = PHONE_HINT.search(text, pos)
            next_hint = n + 1 if hint is None else hint.start()
        nl = text.find("\n", pos)
        stop = n if nl < 0 else nl
        line = text[pos:stop]
        if header is not None:
            delim, ncols, cols = header
            cells = line.split(delim)
            if len(cells) != ncols:
                header = None
            else:
                off = pos
                for i, cell in enumerate(cells):
                    if i in cols:
                        value = cell.strip().strip("\"'").strip()
                        if value and _PHONE_CELL.fullmatch(value) and v.phone_shape(value):
                            start = off + cell.find(value)
                            out.append(
                                span_unchecked(
                                    start, start + len(value), "PHONE_NUMBER", _COLUMN_PHONE_SCORE, "rules:column_phone"
                                )
                            )
                    off += len(cell) + len(delim)
        if header is None and next_hint < stop:
            header = _phone_header(line)
        if nl < 0:
            break
        pos = nl + 1
    return out
