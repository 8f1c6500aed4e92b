"""Linear-time multi-pattern matching for untrusted input.

Hyperscan scans the text once for all patterns (a prefilter: which patterns can match at all);
RE2 then extracts matches and capture groups for just those. Both are automata-based: no
backtracking, so a hostile record costs time linear in its length. Patterns that need
backtracking (backreferences, lookaround) are rejected at compile time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial

import hyperscan
import re2

from workers.errors import ConfigError


class PatternError(ConfigError):
    """A pattern that a linear-time engine cannot run."""


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.max_mem = 64 << 20  # large alternations of key names need more than the 8 MiB default


def compile_re2(regex: str, ignore_case: bool = False, as_bytes: bool = False) -> re2._Regexp:
    pattern = ("(?i)" if ignore_case else "") + regex
    try:
        return re2.compile(pattern.encode() if as_bytes else pattern, _RE2_OPTIONS)
    except re2.error as e:
        raise PatternError(f"pattern {regex!r} is not supported by RE2 (linear-time regex): {e}") from None


class MatchEngine:
    """Compile once, then `scan(text)` yields (pattern index, RE2 match) for every match."""

    name = "hyperscan+re2"

    def __init__(
        self,
        regexes: Sequence[str],
        ignore_case: Sequence[bool] | None = None,
        prefilters: Sequence[str | None] | None = None,
    ):
        """`prefilters[i]`, when given, is what hyperscan compiles instead of `regexes[i]`: a
        pattern matching a superset (a big word list without its `\b` compiles ~10x faster)."""
        ic = list(ignore_case) if ignore_case is not None else [False] * len(regexes)
        hs_src = [p or r for p, r in zip(prefilters or [None] * len(regexes), regexes, strict=True)]
        self._re2 = [compile_re2(r, c) for r, c in zip(regexes, ic, strict=True)]
        # ASCII documents (most logs) are matched as bytes: same offsets, and the RE2 wrapper
        # skips its UTF-8 <-> character offset conversions (about 3x faster per match).
        self._re2_bytes = [compile_re2(r, c, as_bytes=True) for r, c in zip(regexes, ic, strict=True)]
        self._always: list[int] = []  # patterns hyperscan cannot prefilter: always run RE2
        try:  # usually every pattern compiles: one database, one compile
            self._db: hyperscan.Database | None = self._hs_compile(hs_src, ic, range(len(hs_src))) if hs_src else None
            return
        except hyperscan.error:
            pass
        ok: list[int] = []
        for i, r in enumerate(hs_src):
            try:
                self._hs_compile([r], [ic[i]], [i])
                ok.append(i)
            except hyperscan.error:
                self._always.append(i)
        self._db = self._hs_compile([hs_src[i] for i in ok], [ic[i] for i in ok], ok) if ok else None

    @staticmethod
    def _hs_compile(regexes: Sequence[str], ic: Sequence[bool], ids: Sequence[int]) -> hyperscan.Database:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        base = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_ALLOWEMPTY
        db.compile(
            expressions=[r.encode() for r in regexes],
            ids=list(ids),
            elements=len(regexes),
            flags=[base | (hyperscan.HS_FLAG_CASELESS if c else 0) for c in ic],
        )
        return db

    def candidates(self, text: str) -> list[int]:
        """Indices of patterns that may match (a superset of those that do)."""
        hits: list[int] = list(self._always)  # order: always-run first, then hyperscan report order
        if self._db is not None and text:

            def on_match(pid: int, _f: int, _t: int, _fl: int, _ctx: object) -> None:
                hits.append(pid)

            self._db.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match)
        return sorted(set(hits))

    def regex(self, pid: int, ascii_bytes: bool = False) -> re2._Regexp:
        """The RE2 program for pattern `pid`; with ascii_bytes, the one to run on text.encode()
        of an ASCII text (offsets are then character offsets)."""
        return self._re2_bytes[pid] if ascii_bytes else self._re2[pid]

    def byte_matcher(self, pid: int) -> Callable[[bytes, int, int], Sequence[tuple[int, int]]]:
        """`match(subject, pos, endpos)` for pattern `pid` on UTF-8 bytes: the (start, end) byte
        span of every group of the leftmost match in subject[pos:endpos], group 0 first; (-1, -1)
        for group 0 when there is none. It calls RE2's matcher directly: the wrapper's
        finditer builds a generator and a match object per call, which on short log lines costs
        several times the matching itself."""
        rx = self._re2_bytes[pid]
        raw = getattr(getattr(rx, "_regexp", None), "Match", None)
        if raw is not None and hasattr(re2, "_Anchor"):
            return partial(raw, re2._Anchor.UNANCHORED)
        ngroups = rx.groups

        def match(subject: bytes, pos: int, endpos: int) -> Sequence[tuple[int, int]]:
            m = rx.search(subject, pos, endpos)
            if m is None:
                return [(-1, -1)] * (ngroups + 1)
            return [m.span(g) for g in range(ngroups + 1)]

        return match

    def scan(self, text: str) -> Iterator[tuple[int, re2._Match]]:
        for pid in self.candidates(text):
            for m in self._re2[pid].finditer(text):
                yield pid, m
