"""Encoded evasions: PII hidden in base64 (standard or URL-safe) or hex tokens.

A producer that logs `payload=am9obi5kb2VAZXhhbXBsZS5jb20=` publishes john.doe@example.com to
anyone who decodes it. Here every base64- or hex-looking token is decoded once (never the
decoded text again), kept only when it is valid UTF-8 that reads as text, and all kept texts are
scanned together by the caller's detector in one call. A finding inside a decoded token is
reported as one span over the whole encoded token: its characters cannot be redacted piecewise.

Cost: one stdlib regex pass over the document (a character-class run: linear), constant Python
work per token, each input byte decoded at most once (decoded text is at most 3/4 of the
document, so the scan at most doubles the rules' work), and at most `max_decoded` decoded bytes
per document (later tokens are not decoded; a token longer than what is left is decoded up to
it). The default budget is the default document size limit, so padding a document with encoded
junk cannot push a later encoded value past the budget.
A document without a token of 12+ base64 characters costs the regex pass only.
"""

from __future__ import annotations

import binascii
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MIN_TOKEN = 12  # 9 decoded bytes: shorter tokens hold no complete value worth the decode
MIN_HEX = 16  # 8 decoded bytes ("10.0.0.1"): shorter hex runs are ids and hashes
MAX_DECODED = 4 * 1024 * 1024  # decoded bytes per document: the default max_document_bytes
MIN_PRINTABLE = 0.9  # share of decoded characters that must be printable (or blanks)

# Maximal runs of the union of both base64 alphabets with the padding that ends them: 12+
# characters, padding included ("MC4wLjAuMA==" is 0.0.0.0). The regex takes every run of 10+
# with its padding and _is_token() drops those under 12 characters without padding: the same
# tokens as a regex demanding 12 (which fails on every 10-11 character run only after
# retrying at each of its characters). A search failing inside a run of under 10 characters is
# retried at most 9 times: linear.
_B64 = "[A-Za-z0-9+/_-]"
_RUN = re.compile(_B64 + "{" + str(MIN_TOKEN - 2) + ",}=*")


def _is_token(run: str) -> bool:
    """A run of _RUN is a token when long enough or padded."""
    return len(run) >= MIN_TOKEN or run[-1] == "="


_HEX = frozenset("0123456789abcdefABCDEF")
_B64_SET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
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


_URLSAFE = str.maketrans("-_", "+/")


def _decode_base64(token: str, budget: int) -> bytes | None:
    body = token.rstrip("=")
    url = "-" in body or "_" in body
    if url:
        if "+" in body or "/" in body:
            return None  # two alphabets in one token: not base64
        body = body.translate(_URLSAFE)
    # Whole 4-character groups only, up to the budget (3 bytes each); a lone trailing character
    # encodes no full byte and marks a non-base64 token.
    if len(body) % 4 == 1:
        return None
    cap = (budget // 3) * 4
    if len(body) > cap:
        body = body[:cap]
    try:
        return binascii.a2b_base64(body + "=" * (-len(body) % 4), strict_mode=True)
    except binascii.Error:
        return None


def _as_text(raw: bytes) -> str | None:
    """Valid UTF-8 (a multi-byte character cut by the budget at the end is dropped), or UTF-16LE
    ASCII text (PowerShell's -EncodedCommand), that is mostly printable; None for binary. Most
    tokens are binary: rejected without raising (a replacement character marks invalid UTF-8)."""
    if len(raw) >= 4 and raw[1] == 0 and raw[3] == 0 and raw[1::2].count(0) == len(raw) // 2:
        raw = raw[0::2]  # every high byte zero: the UTF-16LE code units are the ASCII bytes
    text = raw.decode("utf-8", "replace")
    if "\ufffd" in text:
        if raw[-3:].isascii():
            return None
        try:  # a character cut at the end by the budget: drop it, the rest must be valid
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
    """The encoding to try for a token: "hex" for an even run of 16+ hex digits, "base64" for a
    run with padding or with both upper and lower case letters, else None (words, paths, ids).
    Ordered for the common case, a one-case word or id, which costs two C calls."""
    if token.islower() or token.isupper():
        if token[-1] == "=":
            return "base64"
        hexlike = len(token) % 2 == 0 and len(token) >= MIN_HEX and _HEX.issuperset(token)
        return "hex" if hexlike else None
    if _HEX.issuperset(token):  # mixed-case hex, or digits only (no cased letter)
        return "hex" if len(token) % 2 == 0 and len(token) >= MIN_HEX else None
    return "base64"


def _signed_jwt_part(text: str, token: str, end: int, after_header: bool) -> bool:
    """The header or payload of a signed JWT (eyJ... . eyJ... . signature), the shape the jwt
    recognizer reports whole: decoding it again is wasted. A lone base64 JSON segment (a
    Flask session cookie "eyJ....ts.sig") or an unsigned JWT ("eyJ...eyJ...") is decoded: no
    recognizer covers it."""
    if not token.startswith("eyJ") or not text.startswith(".", end):
        return False
    if text.startswith("eyJ", end + 1):
        return True  # a header: the payload follows
    return after_header and _B64_SET.issuperset(text[end + 1 : end + 6]) and len(text) >= end + 6


def _any_text(text: str, max_decoded: int) -> bool:
    """False when no token of `text` can decode to text: the common case, answered without match
    objects or positions (findall). A budget used up here proves nothing: True."""
    budget = max_decoded
    for token in _RUN.findall(text):
        if not _is_token(token):
            continue
        kind = _candidate(token)
        if kind is None:
            continue
        raw = _decode_hex(token, budget) if kind == "hex" else _decode_base64(token, budget)
        if raw is None:
            continue
        budget -= len(raw)
        if budget <= 0 or _as_text(raw) is not None:
            return True
    return False


def decode_tokens(text: str, max_decoded: int = MAX_DECODED) -> list[_Decoded]:
    """Every encoded-looking token of `text` that decodes to text, in document order. A first
    pass over the token strings rules most documents out; the pass with positions (and the JWT
    check, which only removes tokens) runs for the rest, decoding a subset of the same tokens
    with at least the same budget: it finds nothing the first pass did not allow."""
    if not _any_text(text, max_decoded):
        return []
    out: list[_Decoded] = []
    budget = max_decoded
    header_end = -2  # end of the last JWT header seen: its payload starts one "." later
    for m in _RUN.finditer(text):
        token = m.group()
        if not _is_token(token):
            continue
        kind = _candidate(token)
        if kind is None:
            continue
        start, end = m.span()
        if kind == "hex":
            raw = _decode_hex(token, budget)
        elif _signed_jwt_part(text, token, end, header_end == start - 1):
            header_end = end
            continue
        else:
            raw = _decode_base64(token, budget)
        if raw is None:
            continue
        budget -= len(raw)
        decoded = _as_text(raw)
        if decoded is not None:
            out.append(_Decoded(start, end, kind, decoded))
        if budget <= 0:
            break
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
