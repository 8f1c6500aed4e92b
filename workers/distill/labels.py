"""BIO labels from character spans and back, over a tokenizer's offsets. Pure: no torch.

A document is tokenized once without special tokens; its tokens are cut into windows the encoder
can take (with overlap, so an entity cut by one window's edge is whole in the next), and each
window gets the tokenizer's [CLS] ... [SEP] around it. Training labels every sub-word token of an
entity (B- on the first, I- on the rest); special tokens carry IGNORE so the loss skips them.
Decoding snaps spans to whole pre-tokenizer words, so a sub-word the model left out of an entity
is not published half-redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

IGNORE = -100  # torch CrossEntropyLoss's default ignore_index


@dataclass(frozen=True)
class CharSpan:
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class LabelSet:
    """O, then B-/I- per type, in the taxonomy's order (the order is the model's label ids)."""

    types: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        out = ["O"]
        for t in self.types:
            out += [f"B-{t}", f"I-{t}"]
        return out

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.labels))

    @property
    def label2id(self) -> dict[str, int]:
        return {v: k for k, v in enumerate(self.labels)}

    def b(self, t: str) -> int:
        return 1 + 2 * self.types.index(t)

    def i(self, t: str) -> int:
        return 2 + 2 * self.types.index(t)

    def type_of(self, label_id: int) -> tuple[str, str | None]:
        """('O', None) or ('B'|'I', type)."""
        if label_id <= 0:
            return "O", None
        k, r = divmod(label_id - 1, 2)
        return ("B" if r == 0 else "I"), self.types[k]


def bio_tags(offsets: Sequence[tuple[int, int]], spans: Sequence[CharSpan], labels: LabelSet) -> list[int]:
    """One label id per token: a token overlapping a span of a known type is part of it.

    `offsets` are half-open character ranges of the tokens, in text order (no special tokens).
    Spans of types not in `labels` are ignored (they are O: the student does not learn them).
    Overlapping spans: the earlier-starting (then longer) one keeps a contested token. Linear in
    tokens + spans (both are sorted once).
    """
    tags = [0] * len(offsets)
    known = sorted((s for s in spans if s.type in labels.types and s.end > s.start), key=lambda s: (s.start, -s.end))
    owner = [-1] * len(offsets)  # index into `known` of the span owning each token
    j = 0
    for ti, (a, b) in enumerate(offsets):
        if b <= a:
            continue
        # Spans ending at or before this token cannot own it nor any later one.
        while j < len(known) and known[j].end <= a:
            j += 1
        k = j
        while k < len(known) and known[k].start < b:
            if known[k].end > a:
                owner[ti] = k
                break
            k += 1
    prev = -1
    for ti, k in enumerate(owner):
        if k < 0:
            prev = -1
            continue
        t = known[k].type
        tags[ti] = labels.i(t) if k == prev else labels.b(t)
        prev = k
    return tags


@dataclass(frozen=True)
class Window:
    """Token range [start, end) of a document, as fed to the encoder (specials added around)."""

    start: int
    end: int


def windows(n_tokens: int, max_tokens: int, overlap: int) -> list[Window]:
    """Cover 0..n_tokens with windows of at most `max_tokens`, consecutive ones sharing `overlap`."""
    if max_tokens <= 0 or not 0 <= overlap < max_tokens:
        raise ValueError(f"need 0 <= overlap ({overlap}) < max_tokens ({max_tokens})")
    if n_tokens <= max_tokens:
        return [Window(0, n_tokens)]
    out: list[Window] = []
    step = max_tokens - overlap
    s = 0
    while True:
        e = min(s + max_tokens, n_tokens)
        out.append(Window(s, e))
        if e == n_tokens:
            return out
        s += step


def best_window(windows_: Sequence[Window], n_tokens: int) -> list[tuple[int, int]]:
    """For each document token, (window index, position inside it) of the window where it sits
    furthest from an edge: the model saw the most context on both sides there."""
    choice: list[tuple[int, int]] = [(-1, -1)] * n_tokens
    margin = [-1] * n_tokens
    for wi, w in enumerate(windows_):
        for t in range(w.start, w.end):
            # A document edge is not a window edge: no context is missing on that side.
            left = t - w.start if w.start > 0 else n_tokens
            right = w.end - 1 - t if w.end < n_tokens else n_tokens
            m = min(left, right)
            if m > margin[t]:
                margin[t], choice[t] = m, (wi, t - w.start)
    return choice


def decode(
    offsets: Sequence[tuple[int, int]],
    word_ids: Sequence[int | None],
    pred: Sequence[int],
    prob: Sequence[float],
    labels: LabelSet,
) -> list[tuple[CharSpan, float]]:
    """Token label ids (+ the probability of each) -> character spans with a mean score.

    An I- that does not continue a span of its type starts one (models drift; dropping it would
    leak). Span edges are extended to the whole pre-tokenizer word they cut.
    """
    raw: list[tuple[str, int, int, list[float]]] = []  # type, first token, last token, probs
    for ti, lid in enumerate(pred):
        tag, t = labels.type_of(lid)
        if t is None:
            continue
        if tag == "I" and raw and raw[-1][0] == t and raw[-1][2] == ti - 1:
            raw[-1] = (t, raw[-1][1], ti, [*raw[-1][3], prob[ti]])
        elif tag == "B" and raw and raw[-1][0] == t and raw[-1][2] == ti - 1 and _same_word(word_ids, ti - 1, ti):
            # B- inside a word the previous token began: one entity, not two.
            raw[-1] = (t, raw[-1][1], ti, [*raw[-1][3], prob[ti]])
        else:
            raw.append((t, ti, ti, [prob[ti]]))
    out: list[tuple[CharSpan, float]] = []
    for t, a, b, ps in raw:
        while a > 0 and _same_word(word_ids, a - 1, a):
            a -= 1
        while b + 1 < len(offsets) and _same_word(word_ids, b, b + 1):
            b += 1
        start, end = offsets[a][0], offsets[b][1]
        if end > start:
            out.append((CharSpan(t, start, end), sum(ps) / len(ps)))
    return _merge_touching(out)


def _same_word(word_ids: Sequence[int | None], i: int, j: int) -> bool:
    return word_ids[i] is not None and word_ids[i] == word_ids[j]


def _merge_touching(spans: list[tuple[CharSpan, float]]) -> list[tuple[CharSpan, float]]:
    """Word snapping can make two spans of one type overlap: join them."""
    out: list[tuple[CharSpan, float]] = []
    for s, p in spans:
        if out and out[-1][0].type == s.type and s.start < out[-1][0].end:
            q, pq = out[-1]
            out[-1] = (CharSpan(s.type, q.start, max(q.end, s.end)), max(p, pq))
        else:
            out.append((s, p))
    return out
