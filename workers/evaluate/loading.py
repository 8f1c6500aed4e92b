"""Gold and prediction loaders, and running a pipeline over gold documents."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import orjson

from workers.evaluate.scoring import Prediction, PredSpan
from workers.loggen import GoldDoc, GoldSpan


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


def run_pipeline(
    pipeline: Any, gold: Sequence[GoldDoc], *, batch_size: int = 64, progress: Callable[[int], None] | None = None
) -> list[Prediction]:
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
