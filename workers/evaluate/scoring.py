"""Pure scoring of predicted spans and redacted text against gold (rules in workers.evaluate)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from workers.loggen import GoldDoc, GoldSpan

# Dataset label -> taxonomy name, for labels whose name differs. Everything else maps to itself.
DATASET_ALIASES: dict[str, str] = {
    "GPE": "LOCATION",  # geopolitical entity: cities, states, countries
    "DOMAIN_NAME": "URL",  # our URL type covers bare domains
}
# Dataset labels we know we do not target (reported as untargeted when they are not scored types).
KNOWN_UNTARGETED: tuple[str, ...] = (
    "ORGANIZATION",
    "TITLE",
    "NRP",
    "AGE",
    "DATE_TIME",
    "ZIP_CODE",
    "US_DRIVER_LICENSE",
)
MIN_LEAK_VALUE_LEN = 4


class TypeMap(BaseModel):
    """Which types are scored, and how dataset labels are renamed to them."""

    scored: frozenset[str]
    aliases: dict[str, str] = Field(default_factory=lambda: dict(DATASET_ALIASES))

    def gold_type(self, label: str) -> str | None:
        """Taxonomy name for a gold label, or None when the label is untargeted."""
        t = self.aliases.get(label, label)
        return t if t in self.scored else None

    def pred_type(self, label: str) -> str | None:
        t = self.aliases.get(label, label)
        return t if t in self.scored else None


class PredSpan(BaseModel):
    model_config = {"frozen": True}
    type: str
    start: int
    end: int


class Prediction(BaseModel):
    id: str
    spans: list[PredSpan]
    redacted: str | None = None  # None: rebuild by replacing spans with [TYPE]
    hallucinations: int | None = None
    failed: bool = False


# ---------------------------------------------------------------- pure scoring


def overlaps(a: GoldSpan | PredSpan, b: GoldSpan | PredSpan) -> bool:
    return a.start < b.end and b.start < a.end


def match_spans(
    gold: Sequence[GoldSpan], pred: Sequence[PredSpan], *, exact: bool = False, typed: bool = True
) -> tuple[list[bool], list[bool]]:
    """(found[i] for each gold span, correct[j] for each prediction). O(g*p); docs are small."""
    found = [False] * len(gold)
    correct = [False] * len(pred)
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if typed and g.type != p.type:
                continue
            hit = (g.start == p.start and g.end == p.end) if exact else overlaps(g, p)
            if hit:
                found[i] = True
                correct[j] = True
    return found, correct


def char_mask(n: int, spans: Iterable[GoldSpan | PredSpan]) -> bytearray:
    m = bytearray(n)
    for s in spans:
        m[max(0, s.start) : min(n, s.end)] = b"\x01" * (min(n, s.end) - max(0, s.start))
    return m


def replace_spans(text: str, spans: Sequence[PredSpan]) -> str:
    """[TYPE] replacement for tools that give spans but no redacted text; overlaps merged."""
    merged: list[list[Any]] = []  # [start, end, type]; overlapping spans merged, first type kept
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and s.start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], s.end)
        else:
            merged.append([s.start, s.end, s.type])
    out, pos = [], 0
    for a, b, t in merged:
        out.append(text[pos:a])
        out.append(f"[{t}]")
        pos = b
    out.append(text[pos:])
    return "".join(out)


def leaked_values(text: str, gold: Sequence[GoldSpan], redacted: str) -> tuple[int, int, list[str]]:
    """(checked, leaked, leaked values): gold values of >= 4 chars still verbatim in `redacted`."""
    checked = leaked = 0
    which: list[str] = []
    for g in gold:
        v = text[g.start : g.end].strip()
        if len(v) < MIN_LEAK_VALUE_LEN:
            continue
        checked += 1
        if v in redacted:
            leaked += 1
            which.append(v)
    return checked, leaked, which


@dataclass
class DocScore:
    """Counts for one document; `add` sums them. Everything downstream is ratios of these."""

    docs: int = 0
    failures: int = 0
    gold: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    found_exact: Counter[str] = field(default_factory=Counter)
    found_untyped: int = 0
    pred: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    correct_exact: Counter[str] = field(default_factory=Counter)
    pred_scored_untyped: int = 0
    correct_untyped: int = 0
    neutral_pred: int = 0
    untargeted_gold: Counter[str] = field(default_factory=Counter)
    ignored_pred: Counter[str] = field(default_factory=Counter)
    values_checked: int = 0
    values_leaked: int = 0
    gold_chars: int = 0
    gold_chars_leaked: int = 0
    other_chars: int = 0
    other_chars_redacted: int = 0
    hallucinations: int | None = None
    decoys: Counter[str] = field(default_factory=Counter)
    decoy_hits: Counter[str] = field(default_factory=Counter)
    # Examples (type, value, context) for diagnosis; bounded by `keep_examples`.
    missed: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    false: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, o: DocScore, keep_examples: int = 0) -> None:
        for name in (
            "gold",
            "found",
            "found_exact",
            "pred",
            "correct",
            "correct_exact",
            "untargeted_gold",
            "ignored_pred",
            "decoys",
            "decoy_hits",
        ):
            getattr(self, name).update(getattr(o, name))
        for name in (
            "docs",
            "failures",
            "found_untyped",
            "pred_scored_untyped",
            "correct_untyped",
            "neutral_pred",
            "values_checked",
            "values_leaked",
            "gold_chars",
            "gold_chars_leaked",
            "other_chars",
            "other_chars_redacted",
        ):
            setattr(self, name, getattr(self, name) + getattr(o, name))
        if o.hallucinations is not None:
            self.hallucinations = (self.hallucinations or 0) + o.hallucinations
        for mine, theirs in ((self.missed, o.missed), (self.false, o.false)):
            for t, xs in theirs.items():
                room = keep_examples - len(mine.get(t, []))
                if room > 0:
                    mine[t].extend(xs[:room])


def _ctx(text: str, s: GoldSpan | PredSpan, w: int = 25) -> str:
    return (text[max(0, s.start - w) : s.start] + "«" + text[s.start : s.end] + "»" + text[s.end : s.end + w]).replace(
        "\n", "\\n"
    )


def score_doc(gold_doc: GoldDoc, pred: Prediction, types: TypeMap) -> DocScore:
    """Score one document's prediction against its gold. Pure."""
    sc = DocScore(docs=1)
    text = gold_doc.text
    if pred.failed:
        sc.failures = 1
        return sc

    gold: list[GoldSpan] = []
    neutral_gold: list[GoldSpan] = []
    for g in gold_doc.spans:
        t = types.gold_type(g.type)
        if t is None:
            neutral_gold.append(g)
            sc.untargeted_gold[g.type] += 1
        else:
            gold.append(GoldSpan(type=t, start=g.start, end=g.end))
    preds: list[PredSpan] = []
    for p in pred.spans:
        t = types.pred_type(p.type)
        if t is None:
            sc.ignored_pred[p.type] += 1
        else:
            preds.append(PredSpan(type=t, start=p.start, end=p.end))

    # Predictions that touch only untargeted gold are neutral.
    scored: list[PredSpan] = []
    for p in preds:
        if any(overlaps(p, g) for g in neutral_gold) and not any(overlaps(p, g) for g in gold):
            sc.neutral_pred += 1
        else:
            scored.append(p)

    found, correct = match_spans(gold, scored)
    found_x, correct_x = match_spans(gold, scored, exact=True)
    found_u, correct_u = match_spans(gold, scored, typed=False)
    for g, f, fx in zip(gold, found, found_x, strict=True):
        sc.gold[g.type] += 1
        sc.found[g.type] += f
        sc.found_exact[g.type] += fx
        if not f:
            sc.missed[g.type].append(_ctx(text, g))
    for p, c, cx in zip(scored, correct, correct_x, strict=True):
        sc.pred[p.type] += 1
        sc.correct[p.type] += c
        sc.correct_exact[p.type] += cx
        if not c:
            sc.false[p.type].append(_ctx(text, p))
    sc.found_untyped = sum(found_u)
    sc.correct_untyped = sum(correct_u)
    sc.pred_scored_untyped = len(scored)

    n = len(text)
    gm, nm, pm = char_mask(n, gold), char_mask(n, neutral_gold), char_mask(n, preds)
    for i in range(n):
        if gm[i]:
            sc.gold_chars += 1
            sc.gold_chars_leaked += not pm[i]
        elif not nm[i]:
            sc.other_chars += 1
            sc.other_chars_redacted += pm[i]

    redacted = pred.redacted if pred.redacted is not None else replace_spans(text, pred.spans)
    sc.values_checked, sc.values_leaked, _ = leaked_values(text, gold, redacted)
    sc.hallucinations = pred.hallucinations

    for d in gold_doc.decoys:
        sc.decoys[d.type] += 1
        if any(overlaps(d, p) for p in preds):
            sc.decoy_hits[d.type] += 1
    return sc


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _prf(tp_pred: int, pred: int, tp_gold: int, gold: int) -> dict[str, Any]:
    p, r = _ratio(tp_pred, pred), _ratio(tp_gold, gold)
    f = (
        2 * p * r / (p + r)
        if p is not None and r is not None and (p + r)
        else (0.0 if p is not None and r is not None else None)
    )
    return {
        "precision": p,
        "recall": r,
        "f1": f,
        "pred": pred,
        "pred_correct": tp_pred,
        "gold": gold,
        "gold_found": tp_gold,
    }


def summarize(sc: DocScore) -> dict[str, Any]:
    """Ratios and tables from summed counts (JSON-ready)."""
    g, p = sum(sc.gold.values()), sum(sc.pred.values())
    types = sorted(set(sc.gold) | set(sc.pred))
    return {
        "docs": sc.docs,
        "failures": sc.failures,
        "span": {
            "overlap": _prf(sum(sc.correct.values()), p, sum(sc.found.values()), g),
            "exact": _prf(sum(sc.correct_exact.values()), p, sum(sc.found_exact.values()), g),
            "overlap_untyped": _prf(sc.correct_untyped, sc.pred_scored_untyped, sc.found_untyped, g),
        },
        "per_type": {
            t: {
                "gold": sc.gold[t],
                "recall": _ratio(sc.found[t], sc.gold[t]),
                "exact_recall": _ratio(sc.found_exact[t], sc.gold[t]),
                "pred": sc.pred[t],
                "precision": _ratio(sc.correct[t], sc.pred[t]),
                "exact_precision": _ratio(sc.correct_exact[t], sc.pred[t]),
            }
            for t in types
        },
        "value_leak_rate": _ratio(sc.values_leaked, sc.values_checked),
        "values_checked": sc.values_checked,
        "values_leaked": sc.values_leaked,
        "char_leak_rate": _ratio(sc.gold_chars_leaked, sc.gold_chars),
        "over_redaction_rate": _ratio(sc.other_chars_redacted, sc.other_chars),
        "hallucinations": sc.hallucinations,
        "untargeted_gold": dict(sorted(sc.untargeted_gold.items())),
        "neutral_predictions": sc.neutral_pred,
        "ignored_predictions": dict(sorted(sc.ignored_pred.items())),
        "decoys": {k: {"total": sc.decoys[k], "hit": sc.decoy_hits[k]} for k in sorted(sc.decoys)},
        "examples": {
            "missed": {k: v for k, v in sorted(sc.missed.items()) if v},
            "false": {k: v for k, v in sorted(sc.false.items()) if v},
        },
    }


def score(
    gold: Sequence[GoldDoc], preds: Sequence[Prediction], types: TypeMap, *, keep_examples: int = 5
) -> dict[str, Any]:
    """Score aligned gold and predictions (same order, same ids)."""
    total = DocScore()
    for gd, pr in zip(gold, preds, strict=True):
        if gd.id != pr.id:
            raise ValueError(f"gold id {gd.id!r} does not match prediction id {pr.id!r}")
        total.add(score_doc(gd, pr, types), keep_examples)
    return summarize(total)
