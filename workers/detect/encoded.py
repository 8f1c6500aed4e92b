"""Encoded evasions: PII hidden in base64 (standard or URL-safe) or hex tokens.

A producer that logs `payload=am9obi5kb2VAZXhhbXBsZS5jb20=` publishes john.doe@example.com to
anyone who decodes it. Here every base64- or hex-looking token is decoded once (never the
decoded text again), kept only when it is valid UTF-8 that reads as text, and all kept texts are
scanned together by the caller's detector in one call. A finding inside a decoded token is
reported as one span over the whole encoded token: its characters cannot be redacted piecewise.

Cost: one stdlib regex pass over the document (a character-class run: linear), constant Python
work per token, each input byte decoded at most once, and at most `max_decoded` decoded bytes per
document (later tokens are not decoded; a token longer than what is left is decoded up to it).
A document without a token of 12+ base64 characters costs the regex pass only.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MIN_TOKEN = 12  # 9 decoded bytes: shorter tokens hold no complete value worth the decode
MAX_DECODED = 64 * 1024  # decoded bytes per document
MIN_PRINTABLE = 0.9  # share of decoded characters that must be printable (or blanks)

# Maximal runs of the union of both base64 alphabets, with the padding that ends them.
_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{" + str(MIN_TOKEN) + r",}={0,2}")
_HEX = frozenset("0123456789abcdefABCDEF")
# Decoded segments are joined with this: no recognizer pattern crosses a blank line and a
# finding that starts in one segment and ends in another is dropped.
_JOIN = "\n\n"


@dataclass(frozen=True)
class EncodedFinding:
    """A finding inside a decoded token, reported over the token's characters in the document."""

    start: int
    end: int
    type: str
    score: float
    encoding: str  # "base64" or "hex"


@dataclass(frozen=True)
class _Decoded:
    start: int  # the token's span in the document
    end: int
    encoding: str
    text: str


def _decode_hex(token: str, budget: int) -> bytes | None:
    n = min(len(token) // 2, budget)
    try:
        return bytes.fromhex(token[: 2 * n])
    except ValueError:
        return None


def _decode_base64(token: str, budget: int) -> bytes | None:
    body = token.rstrip("=")
    url = "-" in body or "_" in body
    if url and ("+" in body or "/" in body):
        return None  # two alphabets in one token: not base64
    # Whole 4-character groups only, up to the budget (3 bytes each); a lone trailing character
    # encodes no full byte and marks a non-base64 token.
    if len(body) % 4 == 1:
        return None
    body = body[: (budget // 3) * 4] if len(body) > (budget // 3) * 4 else body
    body += "=" * (-len(body) % 4)
    try:
        if url:
            return base64.urlsafe_b64decode(body)
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None


def _as_text(raw: bytes) -> str | None:
    """Valid UTF-8 (a multi-byte character cut by the budget at the end is dropped) that is
    mostly printable; None for binary."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(raw) - 3 or e.reason != "unexpected end of data":
            return None
        text = raw[: e.start].decode("utf-8")
    if not text:
        return None
    if text.isprintable():
        return text
    bad = sum(1 for c in text if not c.isprintable() and c not in "\t\r\n")
    return text if bad <= (1 - MIN_PRINTABLE) * len(text) else None


def _candidate(token: str) -> str | None:
    """The encoding to try for a token: "hex" for an even run of hex digits, "base64" for a run
    with upper and lower case letters or padding, else None (a word, a path, a decimal id)."""
    if _HEX.issuperset(token):
        return "hex" if len(token) % 2 == 0 else None
    if token.endswith("="):
        return "base64"
    if token.islower() or token.isupper():
        return None  # single-case (or no letters): identifiers and words, not base64 of text
    return "base64"


def decode_tokens(text: str, max_decoded: int = MAX_DECODED) -> list[_Decoded]:
    """Every encoded-looking token of `text` that decodes to text, in document order."""
    out: list[_Decoded] = []
    budget = max_decoded
    for m in _TOKEN.finditer(text):
        if budget <= 0:
            break
        token = m.group()
        kind = _candidate(token)
        if kind is None:
            continue
        raw = _decode_hex(token, budget) if kind == "hex" else _decode_base64(token, budget)
        if raw is None:
            continue
        budget -= len(raw)
        decoded = _as_text(raw)
        if decoded is not None:
            out.append(_Decoded(m.start(), m.end(), kind, decoded))
    return out


def encoded_findings(
    text: str,
    scan: Callable[[str], Sequence[tuple[int, int, str, float]]],
    max_decoded: int = MAX_DECODED,
) -> list[EncodedFinding]:
    """Findings hidden in encoded tokens of `text`. `scan` is called at most once, on the decoded
    tokens joined by blank lines, and returns (start, end, type, score) in that joined text; each
    token is reported once, with the type of its highest-scoring finding."""
    tokens = decode_tokens(text, max_decoded)
    if not tokens:
        return []
    starts: list[int] = []
    pos = 0
    for t in tokens:
        starts.append(pos)
        pos += len(t.text) + len(_JOIN)
    joined = _JOIN.join(t.text for t in tokens)
    best: dict[int, tuple[float, str]] = {}
    for a, b, kind, score in scan(joined):
        i = bisect_right(starts, a) - 1
        if i < 0 or b > starts[i] + len(tokens[i].text):
            continue  # across a join: not inside one token
        if i not in best or score > best[i][0]:
            best[i] = (score, kind)
    return [
        EncodedFinding(tokens[i].start, tokens[i].end, kind, score, tokens[i].encoding)
        for i, (score, kind) in sorted(best.items())
    ]
