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
        hints: Sequence[tuple[str, bool]] = (),
    ):
        """`prefilters[i]`, when given, is what hyperscan compiles instead of `regexes[i]`: a
        pattern matching a superset (a big word list without its `\b` compiles ~10x faster).

        `hints` are (regex, ignore_case) pairs hyperscan matches exactly, in the same pass as the
        prefilter: `scan_bytes` reports which occur as bit k of a mask (callers use them for the
        cheap document-level checks they would otherwise run as separate regex scans). A hint
        hyperscan cannot compile is always reported present."""
        ic = list(ignore_case) if ignore_case is not None else [False] * len(regexes)
        hs_src = [p or r for p, r in zip(prefilters or [None] * len(regexes), regexes, strict=True)]
        self._re2 = [compile_re2(r, c) for r, c in zip(regexes, ic, strict=True)]
        # ASCII documents (most logs) are matched as bytes: same offsets, and the RE2 wrapper
        # skips its UTF-8 <-> character offset conversions (about 3x faster per match).
        self._re2_bytes = [compile_re2(r, c, as_bytes=True) for r, c in zip(regexes, ic, strict=True)]
        self._always: list[int] = []  # patterns hyperscan cannot prefilter: always run RE2
        self._npat = len(regexes)
        self._always_hints = 0
        # Expression ids: patterns 0..n-1 (prefilter semantics), then hints n..n+k-1 (exact).
        src = [*hs_src, *(h for h, _ in hints)]
        cases = [*ic, *(c for _, c in hints)]
        exact = [False] * len(hs_src) + [True] * len(hints)
        try:  # usually every pattern compiles: one database, one compile
            self._db: hyperscan.Database | None = self._hs_compile(src, cases, range(len(src)), exact) if src else None
            return
        except hyperscan.error:
            pass
        ok: list[int] = []
        for i, r in enumerate(src):
            try:
                self._hs_compile([r], [cases[i]], [i], [exact[i]])
                ok.append(i)
            except hyperscan.error:
                if i < self._npat:
                    self._always.append(i)
                else:
                    self._always_hints |= 1 << (i - self._npat)
        self._db = (
            self._hs_compile([src[i] for i in ok], [cases[i] for i in ok], ok, [exact[i] for i in ok]) if ok else None
        )

    @staticmethod
    def _hs_compile(
        regexes: Sequence[str], ic: Sequence[bool], ids: Sequence[int], exact: Sequence[bool] | None = None
    ) -> hyperscan.Database:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        base = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
        exact = exact or [False] * len(regexes)
        db.compile(
            expressions=[r.encode() for r in regexes],
            ids=list(ids),
            elements=len(regexes),
            flags=[
                base | (0 if x else hyperscan.HS_FLAG_PREFILTER) | (hyperscan.HS_FLAG_CASELESS if c else 0)
                for c, x in zip(ic, exact, strict=True)
            ],
        )
        return db

    def candidates(self, text: str) -> list[int]:
        """Indices of patterns that may match (a superset of those that do)."""
        return self.scan_bytes(text.encode("utf-8", "surrogatepass"))[0]

    def scan_bytes(self, subject: bytes) -> tuple[list[int], int]:
        """(candidate pattern indices in ascending order, mask of the hints that occur) for the
        UTF-8 bytes of a text: one hyperscan pass for both."""
        hits: list[int] = []
        if self._db is not None and subject:
            add = hits.append

            def on_match(pid: int, _f: int, _t: int, _fl: int, _ctx: object) -> None:
                add(pid)

            self._db.scan(subject, match_event_handler=on_match)
        mask = self._always_hints
        n = self._npat
        if hits:
            hits.sort()  # single-match: every id at most once
            while hits and hits[-1] >= n:
                mask |= 1 << (hits.pop() - n)
        if self._always:
            hits = sorted({*hits, *self._always})
        return hits, mask

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
