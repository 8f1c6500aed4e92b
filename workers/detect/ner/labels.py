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
Scores: the mean (or the minimum) over the mention's words of the word's label probability.
Cost: linear in tokens, times the (small, fixed) number of entity types. Inverted names and
LDAP common names (before step 4) are names.py.
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
