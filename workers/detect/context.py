"""Context words around a rules candidate: a window of the lower-cased document before and after
it, searched for a recognizer's positive or negative terms."""

from __future__ import annotations

import re

CONTEXT_BEFORE = 48  # characters scanned for context words before a candidate
CONTEXT_AFTER = 16


class Lowered:
    """Context lookups for one document: lower-cased once, each window cut once and, when ASCII,
    split into its [a-z0-9] runs once (a candidate's positive and negative terms share them)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._low: str | None = None
        # window -> (its text, its word runs if ASCII else None)
        self._windows: dict[tuple[int, int], tuple[str, list[bytes] | None]] = {}

    @property
    def low(self) -> str:
        if self._low is None:
            self._low = self.text.lower()
        return self._low

    def has_any(self, start: int, end: int, terms: Terms | None) -> bool:
        if terms is None:
            return False
        key = (start, end)
        cut = self._windows.get(key)
        if cut is None:
            low = self.low
            window = low[max(0, start - CONTEXT_BEFORE) : start] + " " + low[end : end + CONTEXT_AFTER]
            cut = self._windows[key] = (window, word_runs(window))
        return terms.found(*cut)

    def ends_with(self, start: int, suffixes: tuple[str, ...]) -> bool:
        return self.low[max(0, start - 24) : start].endswith(suffixes)


class Terms:
    """Context terms of one recognizer, searched in a window. On an ASCII window, when every
    single-word term is made of [a-z0-9], a word occurs on word boundaries exactly when it is one
    of the window's maximal [a-z0-9] runs: a set test against the runs (split once per window by
    Lowered) and a substring test per phrase, instead of the alternation regex (which stays for
    other windows)."""

    __slots__ = ("words", "phrases", "rx", "fast")

    def __init__(self, terms: tuple[str, ...], rx: re.Pattern[str]) -> None:
        words = {t.lower() for t in terms if t.isalnum()}
        self.phrases = tuple(t.lower() for t in terms if not t.isalnum())
        self.rx = rx
        self.fast = all(_ASCII_WORD.fullmatch(w) for w in words)
        self.words = frozenset(w.encode() for w in words) if self.fast else frozenset()

    def found(self, window: str, runs: list[bytes] | None) -> bool:
        """`runs`: the window's [a-z0-9] runs when it is ASCII, else None."""
        if self.fast and runs is not None:
            if not self.words.isdisjoint(runs):
                return True
            for p in self.phrases:
                if p in window:
                    return True
            return False
        return self.rx.search(window) is not None


_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Every byte other than [a-z0-9] becomes a space: split() then yields the runs.
_WORD_RUNS = bytes(c if (97 <= c <= 122 or 48 <= c <= 57) else 32 for c in range(256))


def compile_terms(terms: tuple[str, ...]) -> Terms | None:
    rx = _terms_regex(terms)
    return None if rx is None else Terms(terms, rx)


def _terms_regex(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One search per window: single words match whole words ("work" does not fire inside
    "worker"); phrases and terms with punctuation match as substrings. Literal alternatives on a
    window of at most 65 characters: stdlib re is linear here and cheaper than a Python loop."""
    if not terms:
        return None
    words = sorted({t.lower() for t in terms if t.isalnum()}, key=len, reverse=True)
    other = sorted({t.lower() for t in terms if not t.isalnum()}, key=len, reverse=True)
    alts = []
    if words:
        alts.append(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, words)) + r")(?![a-z0-9])")
    alts.extend(re.escape(t) for t in other)
    return re.compile("|".join(alts))


def word_runs(window: str) -> list[bytes] | None:
    """The [a-z0-9] runs of an ASCII window (what Terms.found reads), None for other windows."""
    return window.encode().translate(_WORD_RUNS).split() if window.isascii() else None
