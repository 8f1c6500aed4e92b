"""Scoring of detected spans and redacted text against gold spans. Pure functions + loaders.

Gold comes either from the presidio-research format (a JSON list of
`{"full_text", "spans": [{"entity_type", "start_position", "end_position"}]}`; document ids are
the 0-based list index as a string) or from JSONL `{"id", "text", "spans": [{"type", "start", "end"}]}`
(what `pii-worker gen` writes). Predictions follow the `pii-worker redact` output contract:
`{"id", "text" (redacted), "entities": [{"type", "start", "end", ...}]}`, offsets into the original.

Type mapping (explicit, see DATASET_ALIASES): dataset labels are renamed to our taxonomy names
first (GPE -> LOCATION, DOMAIN_NAME -> URL). A gold label that is then not a scored type (e.g.
ORGANIZATION, TITLE, NRP, AGE, DATE_TIME, ZIP_CODE: things we do not target) is *untargeted*:
- it is removed from the gold side (no recall penalty), and reported as a count per label;
- a prediction overlapping an untargeted gold span and no targeted one is *neutral*: not a false
  positive, not a true positive, reported as a count; its characters are left out of the
  over-redaction denominator and numerator;
- a prediction whose type is not a scored type is dropped and reported per type.

Span metrics (typed: a prediction matches a gold span of the same type):
- overlap: a gold span is found if some prediction of its type overlaps it by >= 1 character;
  a prediction is correct if it overlaps some gold span of its type. Precision = correct
  predictions / predictions, recall = found gold / gold (so one long prediction covering two gold
  spans counts once on each side).
- exact: same, but start, end and type must all be equal.
- untyped overlap: like overlap, ignoring types (what matters for redaction).
Leak metrics:
- value leak rate: share of scored gold values with >= 4 characters (surrounding whitespace
  stripped) that still occur verbatim anywhere in the redacted text;
- character leak rate: share of gold characters not covered by any (untyped) prediction;
- over-redaction rate: share of non-PII characters (outside every gold span, targeted or not)
  covered by a prediction.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import orjson
from pydantic import BaseModel, Field

from workers.loggen import GoldDoc, GoldSpan

# Dataset label -> taxonomy name, for labels whose name differs. Everything else maps to itself.
DATASET_ALIASES: dict[str, str] = {
    "GPE": "LOCATION",  # geopolitical entity: cities, states, countries
    "DOMAIN_NAME": "URL",  # our URL type covers bare domains
}
# Dataset labels we know we do not target (reported as untargeted when they are not scored types).
KNOWN_UNTARGETED: tuple[str, ...] = (
    "ORGANIZATION", "TITLE", "NRP", "AGE", "DATE_TIME", "ZIP_CODE", "US_DRIVER_LICENSE",
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
        for name in ("gold", "found", "found_exact", "pred", "correct", "correct_exact",
                     "untargeted_gold", "ignored_pred", "decoys", "decoy_hits"):
            getattr(self, name).update(getattr(o, name))
        for name in ("docs", "failures", "found_untyped", "pred_scored_untyped", "correct_untyped",
                     "neutral_pred", "values_checked", "values_leaked", "gold_chars",
                     "gold_chars_leaked", "other_chars", "other_chars_redacted"):
            setattr(self, name, getattr(self, name) + getattr(o, name))
        if o.hallucinations is not None:
            self.hallucinations = (self.hallucinations or 0) + o.hallucinations
        for mine, theirs in ((self.missed, o.missed), (self.false, o.false)):
            for t, xs in theirs.items():
                room = keep_examples - len(mine.get(t, []))
                if room > 0:
                    mine[t].extend(xs[:room])


def _ctx(text: str, s: GoldSpan | PredSpan, w: int = 25) -> str:
    return (text[max(0, s.start - w) : s.start] + "«" + text[s.start : s.end] + "»" + text[s.end : s.end + w]).replace("\n", "\\n")


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
    for g, f, fx in zip(gold, found, found_x):
        sc.gold[g.type] += 1
        sc.found[g.type] += f
        sc.found_exact[g.type] += fx
        if not f:
            sc.missed[g.type].append(_ctx(text, g))
    for p, c, cx in zip(scored, correct, correct_x):
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
    f = 2 * p * r / (p + r) if p is not None and r is not None and (p + r) else (0.0 if p is not None and r is not None else None)
    return {"precision": p, "recall": r, "f1": f, "pred": pred, "pred_correct": tp_pred, "gold": gold, "gold_found": tp_gold}


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


def score(gold: Sequence[GoldDoc], preds: Sequence[Prediction], types: TypeMap, *, keep_examples: int = 5) -> dict[str, Any]:
    """Score aligned gold and predictions (same order, same ids)."""
    total = DocScore()
    for gd, pr in zip(gold, preds, strict=True):
        if gd.id != pr.id:
            raise ValueError(f"gold id {gd.id!r} does not match prediction id {pr.id!r}")
        total.add(score_doc(gd, pr, types), keep_examples)
    return summarize(total)


# ---------------------------------------------------------------- loading


def _gold_from_presidio(items: list[dict[str, Any]]) -> Iterator[GoldDoc]:
    for i, it in enumerate(items):
        yield GoldDoc(
            id=str(i),
            text=it["full_text"],
            spans=[
                GoldSpan(type=s["entity_type"], start=s["start_position"], end=s["end_position"])
                for s in it.get("spans") or []
            ],
        )


def load_gold(path: str | Path, limit: int | None = None) -> list[GoldDoc]:
    """Presidio-research JSON list or JSONL of {"id","text","spans"}; sniffed from content."""
    raw = Path(path).read_bytes()
    head = raw.lstrip()[:1]
    if head == b"[":
        docs = list(_gold_from_presidio(orjson.loads(raw)))
    else:
        docs = []
        for ln, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
                docs.append(GoldDoc.model_validate({**obj, "id": str(obj.get("id", ln))}))
            except Exception as e:  # noqa: BLE001 - name the line
                raise ValueError(f"{path}:{ln}: not a gold record: {e}") from e
    for d in docs:
        for s in d.spans:
            if s.end > len(d.text):
                raise ValueError(f"{path}: doc {d.id}: span {s.start}:{s.end} past text length {len(d.text)}")
    return docs[:limit] if limit is not None else docs


def load_predictions(path: str | Path) -> dict[str, Prediction]:
    """JSONL in the `pii-worker redact` output contract; error records count as failures."""
    out: dict[str, Prediction] = {}
    for ln, line in enumerate(Path(path).read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        obj = orjson.loads(line)
        pid = obj.get("id")
        if pid is None:
            raise ValueError(f"{path}:{ln}: prediction without an id")
        pid = str(pid)
        if "entities" not in obj:  # an error record from the tool: no output for this doc
            out[pid] = Prediction(id=pid, spans=[], failed=True)
            continue
        out[pid] = Prediction(
            id=pid,
            spans=[PredSpan(type=e["type"], start=e["start"], end=e["end"]) for e in obj["entities"]],
            redacted=obj.get("text"),
            hallucinations=obj.get("hallucinations"),
        )
    return out


def align(gold: Sequence[GoldDoc], preds: dict[str, Prediction]) -> list[Prediction]:
    """Predictions in gold order; a gold doc without a prediction is an error (not silently 0)."""
    missing = [g.id for g in gold if g.id not in preds]
    if missing:
        raise ValueError(f"{len(missing)} gold documents have no prediction (first: {missing[:5]})")
    return [preds[g.id] for g in gold]


# ---------------------------------------------------------------- running our pipeline


def predictions_from_results(results: Sequence[Any]) -> list[Prediction]:
    """workers.models Result/Failure -> Prediction."""
    from workers.models import Failure

    out = []
    for r in results:
        if isinstance(r, Failure):
            out.append(Prediction(id=str(r.id), spans=[], failed=True))
            continue
        h = r.extra.get("hallucinations") if isinstance(r.extra, dict) else None
        out.append(
            Prediction(
                id=r.id,
                spans=[PredSpan(type=s.type, start=s.start, end=s.end) for s in r.entities],
                redacted=r.text,
                hallucinations=h if isinstance(h, int) else None,
            )
        )
    return out


def run_pipeline(pipeline: Any, gold: Sequence[GoldDoc], *, batch_size: int = 64, progress: Callable[[int], None] | None = None) -> list[Prediction]:
    from workers.models import Document

    preds: list[Prediction] = []
    for i in range(0, len(gold), batch_size):
        chunk = gold[i : i + batch_size]
        results = pipeline.run([Document(id=g.id, text=g.text) for g in chunk])
        preds.extend(predictions_from_results(results))
        if progress:
            progress(len(preds))
    return preds


class Progress:
    """A minimal progress bar on stderr (no dependency); quiet when stderr is not a terminal,
    except for a line every 10%."""

    def __init__(self, total: int, label: str = "eval", stream: TextIO | None = None):
        self.total, self.label = total, label
        self.stream = stream or sys.stderr
        self.t0 = time.monotonic()
        self.last = 0.0
        self.tty = self.stream.isatty()
        self.next_pct = 10

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        rate = done / max(now - self.t0, 1e-9)
        pct = 100 * done // max(self.total, 1)
        if self.tty:
            if now - self.last < 0.1 and done < self.total:
                return
            self.last = now
            w = 30
            fill = w * done // max(self.total, 1)
            self.stream.write(f"\r{self.label} [{'#' * fill}{'.' * (w - fill)}] {done}/{self.total} {rate:.1f} docs/s")
            if done >= self.total:
                self.stream.write("\n")
        elif pct >= self.next_pct or done >= self.total:
            self.next_pct = pct + 10
            self.stream.write(f"{self.label}: {done}/{self.total} ({pct}%) {rate:.1f} docs/s\n")
        self.stream.flush()


# ---------------------------------------------------------------- text report


def _f(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "-"
    return f"{100 * x:.1f}%" if pct else f"{x:.3f}"


def format_report(r: dict[str, Any]) -> str:
    lines = [f"documents: {r['docs']}  failures: {r['failures']}"]
    if r.get("detectors"):
        lines[0] += f"  detectors: {','.join(r['detectors'])}"
    lines.append("")
    lines.append(f"{'span match':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'pred':>8}{'gold':>8}")
    for k, name in (("overlap", "overlap (typed)"), ("exact", "exact (typed)"), ("overlap_untyped", "overlap (any type)")):
        m = r["span"][k]
        lines.append(f"{name:<18}{_f(m['precision']):>10}{_f(m['recall']):>10}{_f(m['f1']):>10}{m['pred']:>8}{m['gold']:>8}")
    lines.append("")
    lines.append(f"{'type':<24}{'gold':>6}{'recall':>8}{'exact':>8}{'pred':>6}{'prec':>8}")
    for t, m in r["per_type"].items():
        lines.append(f"{t:<24}{m['gold']:>6}{_f(m['recall']):>8}{_f(m['exact_recall']):>8}{m['pred']:>6}{_f(m['precision']):>8}")
    lines.append("")
    lines.append(f"value leak rate:      {_f(r['value_leak_rate'], True)} ({r['values_leaked']}/{r['values_checked']} gold values of >= {MIN_LEAK_VALUE_LEN} chars still in the output)")
    lines.append(f"character leak rate:  {_f(r['char_leak_rate'], True)}")
    lines.append(f"over-redaction rate:  {_f(r['over_redaction_rate'], True)} of non-PII characters")
    if r.get("hallucinations") is not None:
        lines.append(f"hallucinations:       {r['hallucinations']} (LLM mentions not found in the text)")
    if r["untargeted_gold"]:
        lines.append("untargeted gold (excluded from scoring): " + ", ".join(f"{k} {v}" for k, v in r["untargeted_gold"].items()))
        lines.append(f"predictions on untargeted gold only (neutral): {r['neutral_predictions']}")
    if r["ignored_predictions"]:
        lines.append("predictions of unscored types (ignored): " + ", ".join(f"{k} {v}" for k, v in r["ignored_predictions"].items()))
    if r["decoys"]:
        lines.append("look-alikes hit by a prediction: " + ", ".join(f"{k} {v['hit']}/{v['total']}" for k, v in r["decoys"].items()))
    if r.get("docs_per_s"):
        lines.append(f"throughput: {r['docs_per_s']:.1f} docs/s")
    return "\n".join(lines)
