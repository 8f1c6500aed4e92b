"""A normalised view of a document for detection, with exact offsets back to the original.

Attackers and careless producers hide values from pattern matching with characters a reader does
not see or reads the same: zero-width and bidi marks, soft hyphens and BOMs inside a value;
no-break or ideographic spaces and en dashes between groups; fullwidth or Arabic-Indic digits;
Cyrillic letters that look Latin; escapes of e-mail punctuation (`%40`, `&#64;`, `&commat;`,
`\\u0040`); spelled `at`/`dot`; defanged punctuation of threat-intel and security tooling
(`203[.]0[.]113[.]7`, `evil(.)example[.]com`, `jane[@]example.com`). Detection runs on a view where these are undone, and every span
found there is mapped back to the smallest original range covering all its characters, so
redaction removes the original characters (the invisible ones between included).

Cost: building a view is linear in the text (regex scans plus Python work per changed character,
per escape and per token holding a look-alike letter); mapping a span is O(log n) (bisect over
the changed segments). Plain ASCII text without escape or spelled-form hints costs two regex
scans and builds nothing.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from workers.detect.normalize_tables import _CONFUSABLES, _DECODE_OK, _HTML_NAMED

_CONFUSABLE_RX = re.compile("[" + "".join(_CONFUSABLES) + "]")
# A token for the look-alike decision: word characters, e-mail punctuation and the invisible
# characters an attacker puts between them.
_TOKEN_RX = re.compile(r"[\w.@+%\-\u00ad\u200b-\u200f\u2060\ufeff]+")
_ASCII_LETTER_RX = re.compile(r"[A-Za-z]")

# Stage 1: one scan over escapes and non-ASCII characters. Only simple alternatives: stdlib re is
# linear here.
_STAGE1_RX = re.compile(
    r"%(?P<pct>[0-9A-Fa-f]{2})"
    r"|&#(?P<dec>[0-9]{1,7});|&#[xX](?P<hex>[0-9A-Fa-f]{1,6});|&(?P<name>[A-Za-z]{2,6});"
    r"|\\u(?P<u4>[0-9A-Fa-f]{4})|\\x(?P<x2>[0-9A-Fa-f]{2})"
    r"|(?P<na>[^\x00-\x7f]+)"
)
# Stage 0: defanged punctuation - a dot, at or colon alone in brackets, as analysts and security
# tools write indicators so they cannot be clicked. Never meant literally, so undone anywhere.
_DEFANG_RX = re.compile(r"[\[({][ \t]?([.@:])[ \t]?[\])}]")
_ESCAPE_HINT_RX = re.compile(r"%[0-9A-Fa-f]{2}|&#?[A-Za-z0-9]{2,7};|\\[ux][0-9A-Fa-f]{2}")

# Stage 2: e-mail addresses with spelled or spaced separators. Spaces are blanks only (never a
# newline); every repeat is bounded and each piece starts with a character the previous one
# cannot contain, so backtracking is bounded per token start.
_B = r"[ \t]"
_AT_FORM = (
    r"(?:"
    + _B
    + r"*[\[({<]"
    + _B
    + r"*(?:at|AT|At)"
    + _B
    + r"*[\])}>]"
    + _B
    + r"*|"
    + _B
    + r"+(?:at|AT)"
    + _B
    + r"+|"
    + _B
    + r"*@"
    + _B
    + r"*)"
)
_DOT_FORM = (
    r"(?:"
    + _B
    + r"*[\[({<]"
    + _B
    + r"*(?:dot|DOT|Dot)"
    + _B
    + r"*[\])}>]"
    + _B
    + r"*|"
    + _B
    + r"+(?:dot|DOT)"
    + _B
    + r"+|\.)"
)
_LOCAL_ATOM = r"[A-Za-z0-9_%+\-]{1,64}"
_LABEL = r"[A-Za-z0-9\-]{1,63}"
_SPELLED_RX = re.compile(
    r"(?<![A-Za-z0-9_%+.\-])"
    r"(?P<local>" + _LOCAL_ATOM + r"(?:" + _DOT_FORM + _LOCAL_ATOM + r"){0,4})"
    r"(?P<at>" + _AT_FORM + r")"
    r"(?P<domain>" + _LABEL + r"(?:" + _DOT_FORM + _LABEL + r"){0,6})" + _DOT_FORM + r"[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9\-])"
)
_FORM_RX = re.compile(r"(?P<at>" + _AT_FORM + r")|(?P<dot>" + _DOT_FORM + r")")
# Every match of _SPELLED_RX holds a local-part character, an at-form and a domain character
# side by side; most texts with a spelled-form hint have none (a stack trace's "\tat com.x..."),
# and this one-alternative-deep scan rules them out before the costly search.
_AT_SEAM_RX = re.compile(r"[A-Za-z0-9_%+\-](?:" + _AT_FORM + r")[A-Za-z0-9\-]")
_SPELLED_HINT_RX = re.compile(r"[\[({<][ \t]*(?:at|dot)[ \t]*[\])}>]|[ \t](?:at|dot)[ \t]|[ \t]@|@[ \t]", re.I)
# Words that precede a plain " at " in ordinary English ("look at example.com", "meet at
# noon.Then"): with them a plain " at " is not read as "@" (bracketed forms always are).
_STOP_LOCAL = frozenset(
    "a an the i me you he she it we they us him her them my your our their this that these those here "
    "there is are was were be been being am do does did done have has had look looked looking meet met "
    "meeting arrive arrived arriving stay stayed staying work works worked working live lives lived "
    "living available hosted located online offline found find see seen check visit visited call "
    "called email mail mailed write wrote reach reached contact contacted go went going come came "
    "coming start started starts end ended ends now only even just also both all and or but not "
    "published posted listed registered based up down out off in on to from by for with as of "
    "ran run runs running sent send sends received receive logged log logs failed fails failing "
    "stopped started listening listen listens bound served serving hosted running deployed ok "
    "error errors warn warning info debug time date".split()
)


@dataclass(frozen=True)
class _Map:
    """Piecewise map from a derived text back to its source: segment j covers derived characters
    [dst[j], dst[j+1]); a copied segment maps one to one, a replaced one maps every character to
    the whole source range it came from. Removed characters have no segment."""

    dst: list[int]
    src: list[int]
    src_end: list[int]
    copied: list[bool]

    def char(self, i: int) -> tuple[int, int]:
        j = bisect_right(self.dst, i) - 1
        if self.copied[j]:
            s = self.src[j] + (i - self.dst[j])
            return s, s + 1
        return self.src[j], self.src_end[j]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.char(start)[0], self.char(end - 1)[1]


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.n = 0  # derived length so far
        self.cur = 0  # source position copied up to
        self.dst: list[int] = []
        self.src: list[int] = []
        self.src_end: list[int] = []
        self.copied: list[bool] = []
        self.changed = False

    def _copy_to(self, pos: int) -> None:
        if pos > self.cur:
            self._segment(self.source[self.cur : pos], self.cur, pos, True)
            self.cur = pos

    def _segment(self, piece: str, s: int, e: int, copied: bool) -> None:
        if not piece:
            return
        self.dst.append(self.n)
        self.src.append(s)
        self.src_end.append(e)
        self.copied.append(copied)
        self.parts.append(piece)
        self.n += len(piece)

    def replace(self, s: int, e: int, new: str) -> None:
        """Source [s, e) becomes `new` (empty: removed). Calls come in source order."""
        self._copy_to(s)
        if new == self.source[s:e]:
            self._segment(new, s, e, True)
        else:
            self.changed = True
            self._segment(new, s, e, False)
        self.cur = e

    def finish(self) -> tuple[str, _Map] | None:
        if not self.changed:
            return None
        self._copy_to(len(self.source))
        return "".join(self.parts), _Map(self.dst, self.src, self.src_end, self.copied)


class NormalizedView:
    """`text` is the normalised document; `to_original` maps a span of it back to the source."""

    def __init__(self, original: str, text: str, maps: list[_Map]) -> None:
        self.original = original
        self.text = text
        self._maps = maps  # in application order: maps[0] reads the original

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The smallest original range covering every character of view[start:end] (and so the
        invisible characters removed between them)."""
        for m in reversed(self._maps):
            start, end = m.span(start, end)
        return start, end


# The two hint patterns as (regex, ignore_case), for a caller that already runs an exact
# multi-pattern scan over ASCII text (the rules tier's hyperscan pass): when neither occurs in an
# ASCII text, normalized_view(text) is None without being called. On ASCII text, case-insensitive
# matching is the same in every engine.
VIEW_HINTS: tuple[tuple[str, bool], ...] = (
    (_ESCAPE_HINT_RX.pattern, False),
    (_SPELLED_HINT_RX.pattern, True),
    (_DEFANG_RX.pattern, False),
)


def normalized_view(text: str) -> NormalizedView | None:
    """The normalised view of `text`, or None when it would be identical (the common case)."""
    if (
        text.isascii()
        and not _ESCAPE_HINT_RX.search(text)
        and not _SPELLED_HINT_RX.search(text)
        and not _DEFANG_RX.search(text)
    ):
        return None
    maps: list[_Map] = []
    cur = text
    for stage in (_stage0, _stage1, _stage2):
        out = stage(cur)
        if out is not None:
            cur, m = out
            maps.append(m)
    return NormalizedView(text, cur, maps) if maps else None


def _stage0(text: str) -> tuple[str, _Map] | None:
    if "[" not in text and "(" not in text and "{" not in text:
        return None
    b = _Builder(text)
    for m in _DEFANG_RX.finditer(text):
        b.replace(m.start(), m.end(), m.group(1))
    return b.finish()


def _may_escape(text: str) -> bool:
    """False when an ASCII text holds no character an escape of _STAGE1_RX starts with."""
    return "%" in text or "&" in text or "\\" in text


def _stage1(text: str) -> tuple[str, _Map] | None:
    if text.isascii():
        # Every escape alternative starts with one of these: without them nothing can change
        # (a text here for its spelled-form hint alone skips the scan).
        if not _may_escape(text):
            return None
        fold: dict[int, str] = {}
    else:
        fold = _lookalikes(text)
    b = _Builder(text)
    for m in _STAGE1_RX.finditer(text):
        kind = m.lastgroup
        if kind == "na":
            base = m.start()
            run = m.group()
            for k, ch in enumerate(run):
                new = fold.get(base + k)
                if new is None:
                    new = _char_map(ch)
                if new is not None:
                    b.replace(base + k, base + k + 1, new)
            continue
        if kind == "name":
            new = _HTML_NAMED.get(m.group("name").lower())
        else:
            raw = m.group(kind or "")
            code = int(raw, 10 if kind == "dec" else 16)
            new = _decoded(code)
        if new is not None:
            b.replace(m.start(), m.end(), new)
    return b.finish()


def _decoded(code: int) -> str | None:
    if code > 0x10FFFF:
        return None
    ch = chr(code)
    if ch in _DECODE_OK:
        return ch
    if code > 0x7F:
        mapped = _char_map(ch)
        # An escaped invisible or space character is removed or made a space like a raw one.
        if mapped is not None and (mapped == "" or mapped == " "):
            return mapped
    return None


_CHAR_CACHE: dict[str, str | None] = {}


def _char_map(ch: str) -> str | None:
    """Replacement of one non-ASCII character, None to keep it."""
    hit = _CHAR_CACHE.get(ch, ch)
    if hit != ch:
        return hit
    new = _char_map_uncached(ch)
    if len(_CHAR_CACHE) < 65536:
        _CHAR_CACHE[ch] = new
    return new


def _char_map_uncached(ch: str) -> str | None:
    cat = unicodedata.category(ch)
    if cat == "Cf":
        return ""  # zero-width, soft hyphen, BOM, bidi and other format characters
    if cat in ("Zs", "Zl", "Zp"):
        return " "
    if cat == "Nd":
        return str(unicodedata.decimal(ch))
    if cat == "Pd" or ch in "\u2212\u2043":  # dashes, minus sign, hyphen bullet
        return "-"
    if ch in "\u3002\uff61":  # ideographic and halfwidth full stops, read as dots in addresses
        return "."
    nfkc = unicodedata.normalize("NFKC", ch)
    if nfkc != ch:
        # Fullwidth forms and other compatibility characters; a result that is itself a
        # non-ASCII digit or dash is mapped once more ("①" -> "1").
        return "".join(c if c.isascii() else _mapped_or_self(c) for c in nfkc)
    return None


def _mapped_or_self(ch: str) -> str:
    new = _char_map(ch)
    return ch if new is None else new


def _lookalikes(text: str) -> dict[int, str]:
    """Positions of look-alike letters to fold: in tokens with ASCII letters and no other
    non-Latin letter."""
    if not _CONFUSABLE_RX.search(text):
        return {}
    out: dict[int, str] = {}
    for m in _TOKEN_RX.finditer(text):
        tok = m.group()
        if tok.isascii() or not _ASCII_LETTER_RX.search(tok) or not _CONFUSABLE_RX.search(tok):
            continue
        if all(c.isascii() or c in _CONFUSABLES or not c.isalpha() for c in tok):
            base = m.start()
            for k, c in enumerate(tok):
                latin = _CONFUSABLES.get(c)
                if latin is not None:
                    out[base + k] = latin
    return out


def _stage2(text: str) -> tuple[str, _Map] | None:
    if not _SPELLED_HINT_RX.search(text):
        return None
    b = _Builder(text)
    pos = 0
    # A match at or after `pos` holds a seam at or after it: without one, no search (the last,
    # failing one would read the whole rest of the text).
    while _AT_SEAM_RX.search(text, pos):
        m = _SPELLED_RX.search(text, pos)
        if m is None:
            break
        at = m.group("at")
        if at.strip() in ("at", "AT") and m.group("local").lower() in _STOP_LOCAL:
            pos = m.start() + 1  # "look at example.com": an address may still start later
            continue
        base = m.start()
        for f in _FORM_RX.finditer(m.group()):
            new = "@" if f.lastgroup == "at" else "."
            b.replace(base + f.start(), base + f.end(), new)
        pos = m.end()
    return b.finish()


class Utf8Offsets:
    """Byte offsets of `text.encode("utf-8", "surrogatepass")` to character offsets, O(log n)
    each: matching bytes lets RE2 skip re-encoding the whole text per search call (its str API
    does, which made repeated searches quadratic on non-ASCII documents)."""

    _WIDE = re.compile(r"[^\x00-\x7f]")

    def __init__(self, text: str) -> None:
        self._cpos: list[int] = []  # character offset of each non-ASCII character
        self._bpos: list[int] = []  # its byte offset
        self._extra: list[int] = [0]  # extra bytes of the first k non-ASCII characters
        extra = 0
        for m in self._WIDE.finditer(text):
            c = ord(m.group())
            self._cpos.append(m.start())
            self._bpos.append(m.start() + extra)
            extra += 1 if c < 0x800 else 2 if c < 0x10000 else 3
            self._extra.append(extra)

    def char(self, byte_offset: int) -> int:
        return byte_offset - self._extra[bisect_left(self._bpos, byte_offset)]

    def byte(self, char_offset: int) -> int:
        return char_offset + self._extra[bisect_left(self._cpos, char_offset)]
