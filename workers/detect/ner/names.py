"""Name shapes the label mapping of labels.py cannot see on its own.

Inverted names (`ner.inverted`, before labels.py's mention joining): "Franco, Debra" is
SURNAME "," GIVEN_NAME, a comma no name type joins (it separates places, list items and cells). A THEN span (GIVEN_NAME)
directly after "<capitalised word>, " makes one mention with that word when the model labelled
the word FIRST (SURNAME), or when both sit alone in a quoted cell (`"Franco, Debra"`: a comma
inside a CSV cell must be quoted, so the cell is one value); the model often reads the
surname there as O or as a city. Otherwise the pair is a hint for the LLM. Never across a
cell boundary (`","`, `", "`) or a key (`last=Franco, first=Debra`): the word must end at
the comma; nor, outside a quoted cell, in a list of names ("cc: Travis, Mary and Bob").
LDAP common names (`CN=Jane Doe,OU=...`): a name-shaped value no confident span covers is a hint
for the LLM where the model leans to a name label on one of its words.
Cost: bounded look-around per span and bisect lookups: linear per document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workers.detect.ner.labels import LabelMap, LabelSpan, Mention, ScoreMode

# A name-shaped word ending where the search stops: letters, inner apostrophes and hyphens.
_TAIL = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*$")
# A middle name or initial between the given name and the closing quote of its cell (capitalised:
# checked in code, the pattern has no Unicode case classes).
_MIDDLE = re.compile(r" [^\W\d_][^\W\d_'’-]*\.?")
_LONGEST_WORD = 40
_QUOTES = "\"'"
# What may stand before a quoted cell's opening quote and after its closing one.
_CELL_BEFORE = ",;|\t\n\r =:([{"
_CELL_AFTER = ",;|\t\n\r )]}"


@dataclass(frozen=True)
class Inverted:
    """inverted_names' answer: the inverted mentions, hints (start, end, type) where an inverted
    name may stand but nothing confirms it, and the label spans left for join_mentions."""

    mentions: list[Mention]
    hints: list[tuple[int, int, str]]
    rest: list[LabelSpan]


def _aggregate(scores: Sequence[float], score: ScoreMode) -> float:
    return min(scores) if score == "min" else sum(scores) / len(scores)


def _name_word(text: str, end: int) -> tuple[int, str] | None:
    """The capitalised word ending at `end` (start, word), if the text has one there."""
    m = _TAIL.search(text, max(0, end - _LONGEST_WORD), end)
    if m is None or (m.start() > 0 and text[m.start() - 1].isalnum()):
        return None  # none, or longer than the bound: not a name
    word = m.group()
    return (m.start(), word) if word[0].isupper() else None


# After a name, what continues a list of names ("Mary, Travis and Bob"): the comma there is a list's.
_LIST_GO_ON = re.compile(r",| (?:and|or|&|und|et|y) ", re.IGNORECASE)


def _listed(text: str, end: int) -> bool:
    return _LIST_GO_ON.match(text, end) is not None


def quoted_cell(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The content bounds of the quoted cell that [start, end) fills, if it does: an opening quote
    at a field start before `start` (at most two more capitalised words between: "De La Cruz"),
    and the same quote after `end` (at most two middle names or initials between), followed by
    a field end. Bounded work: a few words either side."""
    k = start
    for _ in range(3):
        if k > 0 and text[k - 1] in _QUOTES:
            break
        if k < 2 or text[k - 1] != " ":
            return None
        w = _name_word(text, k - 1)
        if w is None:
            return None
        k = w[0]
    else:
        return None
    quote = text[k - 1]
    if k >= 2 and text[k - 2] not in _CELL_BEFORE:
        return None
    i = end
    for _ in range(3):
        if i < len(text) and text[i] == quote:
            break
        m = _MIDDLE.match(text, i)
        if m is None or not text[i + 1].isupper():
            return None
        i = m.end()
    else:
        return None
    if i + 1 < len(text) and text[i + 1] not in _CELL_AFTER:
        return None
    return k, i


def inverted_names(text: str, spans: Sequence[LabelSpan], lmap: LabelMap, score: ScoreMode = "mean") -> Inverted:
    """Step 5 above. Constant work per THEN span (bounded look-around), so linear overall."""
    rules = [(r, r.inverted) for r in lmap.rules.values() if r.inverted]
    if not rules:
        return Inverted([], [], list(spans))
    mentions: list[Mention] = []
    hints: list[tuple[int, int, str]] = []
    used: set[int] = set()
    for j, g in enumerate(spans):
        for rule, (first, then) in rules:
            if g.label != then or j in used:
                continue
            if g.start >= 2 and text.startswith(", ", g.start - 2):
                comma, spaced = g.start - 2, True
            elif g.start >= 1 and text.startswith(",", g.start - 1):
                comma, spaced = g.start - 1, False
            else:
                continue
            word = _name_word(text, comma)
            if word is None or word[1].casefold() in rule.exclude:
                continue
            prev = spans[j - 1] if j > 0 and j - 1 not in used and spans[j - 1].end == comma else None
            ours = prev is not None and prev.label in rule.labels
            begin = prev.start if ours and prev is not None else word[0]
            cell = quoted_cell(text, begin, g.end)
            surname = spaced and ours and prev is not None and prev.label == first and not _listed(text, g.end)
            if cell is None and not surname:
                # A word the model already labelled for this type (a list of names) needs no LLM.
                if spaced and not ours:
                    hints.append((begin, g.end, rule.name))
                continue
            start, end = cell if cell is not None else (begin, g.end)
            # Spans of this type inside the mention are read into it; other types' spans stay
            # (resolution keeps the better one's characters, and never un-redacts either).
            inside: list[int] = []
            k = j - 1
            while k >= 0 and spans[k].start >= start:
                if spans[k].label in rule.labels and k not in used:
                    inside.append(k)
                k -= 1
            k = j + 1
            while k < len(spans) and spans[k].end <= end:
                if spans[k].label in rule.labels:
                    inside.append(k)
                k += 1
            own = [x for k in sorted(inside) for x in spans[k].scores]
            # The structure is evidence too: joining never makes the given name less sure.
            val = max(_aggregate([*own, *g.scores], score), _aggregate(g.scores, score))
            mentions.append(Mention(start, end, rule.name, val))
            used.update(inside)
            used.add(j)
    return Inverted(mentions, hints, [s for k, s in enumerate(spans) if k not in used])


# The common name of an LDAP distinguished name: `CN=John Doe,OU=Users,DC=corp`. Values end at an
# unescaped comma, plus sign or semicolon; a bound keeps the search linear.
_DN_CN = re.compile(r"(?i:\bcn)=([^,+;=\"\\\n]{1,64})")
_DN_END = ",+;\n"


def dn_name_values(text: str) -> list[tuple[int, int]]:
    """(start, end) of each DN common name shaped as a person's name: two to four words, each a
    capitalised word or an initial (`CN=John Doe`, not `CN=Admins` nor `CN=www.example.com`).
    The model misses some of them (read as directory vocabulary); whether one is a person or a
    group (`CN=Domain Admins`) needs the LLM, so these become hints, not redactions."""
    out: list[tuple[int, int]] = []
    for m in _DN_CN.finditer(text):
        a, b = m.span(1)
        if b < len(text) and text[b] not in _DN_END:
            continue
        words = m.group(1).split(" ")
        if 2 <= len(words) <= 4 and all(_name_shaped(w) for w in words):
            out.append((a, b))
    return out


def _name_shaped(word: str) -> bool:
    core = word[:-1] if word.endswith(".") else word
    return (
        bool(core)
        and core[0].isupper()
        and all(c.isalpha() or c in "'’-" for c in core)
        and (len(core) == 1 or any(c.islower() for c in core))
    )
