"""From per-token label probabilities to typed, scored character spans. Pure (numpy only).

1. The model's label set (`config.json` `id2label`): O plus B-/I- tags (BIOES and bare tags are
   read too) of entity labels such as GIVEN_NAME or CITY.
2. Words (the tokenizer's pre-tokenised words, so a word split into sub-tokens is read as one):
   each word takes the label with the highest probability summed over its B- and I- tags and
   averaged over its sub-tokens; below the hint floor it is outside any entity. Sub-token tags
   are not trusted for boundaries: Rampart tags "spring ##field" B-CITY B-CITY.
3. Label spans: consecutive words with the same label, unless the second one begins an entity
   (B- above I-) and is separated from the first.
4. Mentions: adjacent label spans join when the taxonomy has a type listing all their labels and
   the characters between them are short and allowed by that type (`ner.join`, `ner.max_gap`):
   GIVEN_NAME + SURNAME -> PERSON, BUILDING_NUMBER ... ZIP_CODE -> STREET_ADDRESS. Of the types
   that fit a joined group, the one listing the fewest labels wins (a CITY standing alone is a
   LOCATION, not a STREET_ADDRESS). A group lacking a type's `ner.requires` label is regrouped
   without that type.
5. Inverted names (`ner.inverted`, before step 4): "Franco, Debra" is SURNAME "," GIVEN_NAME, a
   comma no name type joins (it separates places, list items and cells). A THEN span (GIVEN_NAME)
   directly after "<capitalised word>, " makes one mention with that word when the model labelled
   the word FIRST (SURNAME), or when both sit alone in a quoted cell (`"Franco, Debra"`: a comma
   inside a CSV cell must be quoted, so the cell is one value); the model often reads the
   surname there as O or as a city. Otherwise the pair is a hint for the LLM. Never across a
   cell boundary (`","`, `", "`) or a key (`last=Franco, first=Debra`): the word must end at
   the comma; nor, outside a quoted cell, in a list of names ("cc: Travis, Mary and Bob").
Scores: the mean (or the minimum) over the mention's words of the word's label probability.
Cost: linear in tokens, times the (small, fixed) number of entity types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from workers.errors import PiiWorkerError
from workers.taxonomy import Taxonomy

ScoreMode = Literal["mean", "min"]

_WORD = re.compile(r"[^\W_]+")
_STRIP = "\"'“”‘’()[]{}<>.,;:!?"
_BEGIN = {"B", "S", "U"}
_INSIDE = {"I", "E", "L"}


class NerModelError(PiiWorkerError, RuntimeError):
    """An encoder model that cannot serve this taxonomy (unknown labels, malformed label set)."""


@dataclass(frozen=True)
class LabelScheme:
    """The model's output classes, grouped by entity label."""

    classes: tuple[str, ...]  # index -> tag as in id2label
    labels: tuple[str, ...]  # entity labels, in order of first appearance
    begin: tuple[int, ...]  # per label: index of its begin tag, -1 if none
    inside: tuple[int, ...]  # per label: index of its inside tag, -1 if none
    outside: int  # index of O

    @classmethod
    def from_id2label(cls, id2label: Mapping[str, str] | Mapping[int, str], source: str = "model") -> LabelScheme:
        try:
            by_index = {int(k): str(v) for k, v in id2label.items()}
        except (TypeError, ValueError):
            raise NerModelError(f"{source}: id2label keys must be integers") from None
        if sorted(by_index) != list(range(len(by_index))):
            raise NerModelError(f"{source}: id2label must number classes 0..n-1")
        classes = tuple(by_index[i] for i in range(len(by_index)))
        outside = -1
        labels: list[str] = []
        begin: dict[str, int] = {}
        inside: dict[str, int] = {}
        for i, tag in enumerate(classes):
            if tag.upper() == "O":
                outside = i
                continue
            prefix, sep, name = tag.partition("-")
            if sep and prefix.upper() in _BEGIN | _INSIDE and name:
                table = begin if prefix.upper() in _BEGIN else inside
            else:  # a bare tag ("PERSON"): every token of the entity carries it
                name, table = tag, inside
            if name in table:
                # BIOES: E- joins I-, S- joins B- (several tags map to one role; keep the first)
                continue
            if name not in begin and name not in inside:
                labels.append(name)
            table[name] = i
        if outside < 0:
            raise NerModelError(f"{source}: id2label has no O class")
        if not labels:
            raise NerModelError(f"{source}: id2label has no entity labels")
        return cls(
            classes=classes,
            labels=tuple(labels),
            begin=tuple(begin.get(n, -1) for n in labels),
            inside=tuple(inside.get(n, -1) for n in labels),
            outside=outside,
        )

    def label_probs(self, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(tokens, classes) probabilities -> per label: P(B)+P(I) (tokens, labels), and whether
        B outweighs I (tokens, labels)."""
        n = probs.shape[0]
        zero = np.zeros((n, 1), dtype=probs.dtype)
        padded = np.concatenate([probs, zero], axis=1)  # index -1 reads the zero column
        b = padded[:, list(self.begin)]
        i = padded[:, list(self.inside)]
        return b + i, b > i


@dataclass(frozen=True)
class TypeRule:
    name: str
    labels: frozenset[str]
    requires: frozenset[str]
    join: frozenset[str]
    max_gap: int
    exclude: frozenset[str] = frozenset()
    join_words: frozenset[str] = frozenset()
    inverted: tuple[str, str] | None = None  # [FIRST, THEN] labels of an inverted name

    def excluded(self, mention: str) -> bool:
        """Every word of the mention is one the taxonomy says never makes this type."""
        words = [w.strip(_STRIP).casefold() for w in mention.split()]
        words = [w for w in words if w]
        return bool(self.exclude) and bool(words) and all(w in self.exclude for w in words)


class LabelMap:
    """The taxonomy's view of encoder labels: which types each label can make, and how they join."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.rules: dict[str, TypeRule] = {}
        self.by_label: dict[str, list[str]] = {}
        for e in taxonomy.ner_entities():
            m = e.ner
            labels = e.ner_labels()
            self.rules[e.name] = TypeRule(
                name=e.name,
                labels=frozenset(labels),
                requires=frozenset(m.requires if m else ()),
                join=frozenset(m.join if m else ""),
                max_gap=m.max_gap if m else 3,
                exclude=frozenset(m.exclude if m else ()),
                join_words=frozenset(m.join_words if m else ()),
                inverted=(m.inverted[0], m.inverted[1]) if m and m.inverted else None,
            )
            for lab in labels:
                self.by_label.setdefault(lab, []).append(e.name)
        self._order = {name: k for k, name in enumerate(self.rules)}

    def check_model(self, scheme: LabelScheme, model: str) -> None:
        """Fail, naming model and taxonomy, when the taxonomy asks for labels the model lacks."""
        t = self.taxonomy
        if not self.rules:
            raise NerModelError(
                f"taxonomy {t.name} {t.version} has no entity type with detector ner: "
                "add ner to a type's detectors or drop ner from the pipeline"
            )
        known = set(scheme.labels)
        missing = {name: sorted(r.labels - known) for name, r in self.rules.items() if r.labels - known}
        if missing:
            what = "; ".join(f"{name} needs {', '.join(labs)}" for name, labs in missing.items())
            raise NerModelError(
                f"ner model {model} does not know labels that taxonomy {t.name} {t.version} maps: {what}. "
                f"The model's labels: {', '.join(scheme.labels)}"
            )

    def choose(self, types: set[str], labels: set[str]) -> str | None:
        """The most specific type among `types` whose `requires` the group's labels satisfy."""
        fits = [n for n in types if not self.rules[n].requires or self.rules[n].requires & labels]
        if not fits:
            return None
        return min(fits, key=lambda n: (len(self.rules[n].labels), self._order[n]))


@dataclass(frozen=True)
class LabelSpan:
    start: int
    end: int
    label: str
    scores: tuple[float, ...]  # one per word


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    type: str
    score: float


def words_from_tokens(word_ids: Sequence[int | None], offsets: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Group tokens into words: (first token, last token + 1, word start char) per word. Tokens
    without a word (special tokens) or an empty offset are skipped."""
    out: list[tuple[int, int, int]] = []
    prev: int | None = None
    for t, (w, (a, b)) in enumerate(zip(word_ids, offsets, strict=True)):
        if w is None or b <= a:
            prev = None
            continue
        if w == prev and out:
            first, _, start = out[-1]
            out[-1] = (first, t + 1, start)
        else:
            out.append((t, t + 1, a))
        prev = w
    return out


def label_spans(
    scheme: LabelScheme,
    probs: np.ndarray,
    word_ids: Sequence[int | None],
    offsets: Sequence[tuple[int, int]],
    floor: float,
) -> list[LabelSpan]:
    """Per-token class probabilities of one document -> label spans (step 2 and 3 above)."""
    words = words_from_tokens(word_ids, offsets)
    if not words:
        return []
    q, begins = scheme.label_probs(probs)
    firsts = np.fromiter((w[0] for w in words), dtype=np.int64, count=len(words))
    lasts = np.fromiter((w[1] for w in words), dtype=np.int64, count=len(words))
    sums = np.add.reduceat(q, firsts, axis=0)
    counts = (lasts - firsts).astype(q.dtype)[:, None]
    word_q = sums / counts
    best = word_q.argmax(axis=1)
    best_p = word_q[np.arange(len(words)), best]
    out: list[LabelSpan] = []
    cur: tuple[int, int, int, list[float]] | None = None  # start, end, label index, scores
    for k, (first, last, start) in enumerate(words):
        p = float(best_p[k])
        end = int(offsets[last - 1][1])
        if p < floor:
            if cur:
                out.append(LabelSpan(cur[0], cur[1], scheme.labels[cur[2]], tuple(cur[3])))
                cur = None
            continue
        lab = int(best[k])
        begins_here = bool(begins[first, lab])
        if cur and cur[2] == lab and (not begins_here or start == cur[1]):
            cur = (cur[0], end, lab, [*cur[3], p])
        else:
            if cur:
                out.append(LabelSpan(cur[0], cur[1], scheme.labels[cur[2]], tuple(cur[3])))
            cur = (start, end, lab, [p])
    if cur:
        out.append(LabelSpan(cur[0], cur[1], scheme.labels[cur[2]], tuple(cur[3])))
    return out


def _gap_ok(gap: str, rule: TypeRule) -> bool:
    """Whitespace and the type's join punctuation (at most max_gap characters of them), and words
    only from the type's join_words."""
    if len(gap) <= rule.max_gap and all(c.isspace() or c in rule.join for c in gap):
        return True
    if not rule.join_words:
        return False
    words = _WORD.findall(gap)
    if not words or any(w.casefold() not in rule.join_words for w in words):
        return False
    rest = _WORD.sub("", gap)
    return len(rest) <= rule.max_gap * (len(words) + 1) and all(c.isspace() or c in rule.join for c in rest)


def join_mentions(
    text: str,
    spans: Sequence[LabelSpan],
    lmap: LabelMap,
    score: ScoreMode = "mean",
    allowed: frozenset[str] | None = None,
) -> list[Mention]:
    """Label spans -> typed mentions (step 4 above). `allowed` limits the candidate types (used
    when a group is regrouped without a type whose `requires` it lacks)."""
    out: list[Mention] = []
    group: list[LabelSpan] = []
    cands: set[str] = set()

    def close() -> None:
        if not group:
            return
        labels = {s.label for s in group}
        chosen = lmap.choose(cands, labels)
        if chosen is not None:
            scores = [x for s in group for x in s.scores]
            val = min(scores) if score == "min" else sum(scores) / len(scores)
            out.append(Mention(group[0].start, group[-1].end, chosen, val))
        elif len(group) > 1:
            # Each regrouping drops at least one type, so this recurses at most once per type.
            narrower = (allowed if allowed is not None else frozenset(lmap.rules)) - cands
            if narrower:
                out.extend(join_mentions(text, group, lmap, score, narrower))

    for s in spans:
        types = {t for t in lmap.by_label.get(s.label, ()) if allowed is None or t in allowed}
        if not types:
            close()
            group, cands = [], set()
            continue
        if group:
            gap = text[group[-1].end : s.start]
            joined = {t for t in cands & types if _gap_ok(gap, lmap.rules[t])}
            if joined:
                group.append(s)
                cands = joined
                continue
            close()
        group, cands = [s], types
    close()
    return out


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
