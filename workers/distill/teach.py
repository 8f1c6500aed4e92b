"""teach: documents in, silver labels out (JSONL, one document a line, inspectable and editable).

    {"id", "text", "spans": [{"type","start","end"}], "teacher": "gold"|"llm", "split": "train"|"heldout",
     "gold": [...]}   # "gold" only when the input carried spans (kept for the evaluation)

Teachers: `gold` uses the input's `spans` (what `pii-worker gen` writes); `llm` runs the cascade
(the taxonomy's detectors: rules + the LLM with the taxonomy's guidelines); `auto` takes gold
where a document has a `spans` field and asks the cascade for the rest. A document the cascade
failed on is left out (counted): its silver would teach "no PII here".
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

import orjson

Teacher = Literal["gold", "llm", "auto"]
# A cascade that failed on every one of this many documents is broken, not unlucky: stop (at
# ~0.3 docs/s on CPU, going on would cost hours to label nothing).
FAIL_FAST_DOCS = 32


class TeachError(ValueError):
    """Input that cannot be taught from; names the file and line, never the text."""


@dataclass
class InputDoc:
    id: str
    text: str
    spans: list[dict[str, Any]] | None  # None: no gold field in the input


def open_input(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def read_docs(path: Path, limit: int | None = None) -> Iterator[InputDoc]:
    """JSONL (optionally gzipped) of {"id","text","spans"?}; a bad line fails naming the line."""
    n = 0
    with open_input(path) as f:
        for ln, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            if limit is not None and n >= limit:
                return
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as e:
                raise TeachError(f"{path}:{ln}: invalid JSON ({e.msg})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise TeachError(f"{path}:{ln}: expected an object with a string 'text'")
            text = obj["text"]
            spans = obj.get("spans")
            if spans is not None:
                spans = _check_spans(spans, len(text), f"{path}:{ln}")
            n += 1
            yield InputDoc(id=str(obj.get("id", ln)), text=text, spans=spans)


def _check_spans(spans: Any, n: int, where: str) -> list[dict[str, Any]]:
    if not isinstance(spans, list):
        raise TeachError(f"{where}: 'spans' must be a list")
    out = []
    for i, s in enumerate(spans):
        try:
            t, a, b = s["type"], int(s["start"]), int(s["end"])
        except (TypeError, KeyError, ValueError):
            raise TeachError(f"{where}: spans[{i}] needs type, start, end") from None
        if not (isinstance(t, str) and 0 <= a < b <= n):
            raise TeachError(f"{where}: spans[{i}] ({t} {a}:{b}) is outside the text (length {n})")
        out.append({"type": t, "start": a, "end": b})
    return out


def split_of(doc_id: str, heldout: float) -> str:
    """Stable split by id: the same document lands on the same side on every run."""
    x = int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    return "heldout" if x < heldout else "train"


# A cascade labeller: texts in, per text either a list of spans or why the teacher failed
# (the pipeline's failure message: stage and error, never document text).
Labeller = Callable[[Sequence[InputDoc]], list[list[dict[str, Any]] | str]]


def pipeline_labeller(taxonomy_path: Path, detectors: Sequence[str]) -> Labeller:
    """The cascade as a teacher: the taxonomy's detectors through the normal Pipeline."""
    from workers.config import PipelineSettings
    from workers.models import Document, Failure
    from workers.pipeline_factory import build_pipeline

    settings = PipelineSettings(taxonomy=taxonomy_path, detectors=list(detectors))  # type: ignore[arg-type]
    pipeline = build_pipeline(settings)

    def label(docs: Sequence[InputDoc]) -> list[list[dict[str, Any]] | str]:
        out: list[list[dict[str, Any]] | str] = []
        for r in pipeline.run([Document(id=d.id, text=d.text) for d in docs]):
            if isinstance(r, Failure):
                out.append(f"{r.stage}: {r.message}")
            else:
                out.append([{"type": s.type, "start": s.start, "end": s.end} for s in r.entities])
        return out

    return label


@dataclass
class TeachStats:
    docs: int = 0
    by_teacher: Counter[str] = field(default_factory=Counter)
    spans: Counter[str] = field(default_factory=Counter)
    split: Counter[str] = field(default_factory=Counter)
    teacher_failed: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    llm_seconds: float = 0.0
    llm_docs: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "docs": self.docs,
            "by_teacher": dict(self.by_teacher),
            "spans": dict(sorted(self.spans.items())),
            "split": dict(self.split),
            "teacher_failed": self.teacher_failed,
            "failure_reasons": dict(self.failures.most_common(5)),
            "llm_docs": self.llm_docs,
            "llm_seconds": round(self.llm_seconds, 2),
            "llm_docs_per_s": round(self.llm_docs / self.llm_seconds, 4) if self.llm_seconds else None,
        }


def teach(
    docs: Iterator[InputDoc],
    out: IO[bytes],
    *,
    types: Sequence[str],
    teacher: Teacher,
    heldout: float,
    labeller: Callable[[], Labeller] | None = None,
    batch_size: int = 16,
    progress: Callable[[int], None] | None = None,
) -> TeachStats:
    """Write one silver record per document. `labeller` builds the cascade lazily (only when some
    document needs it, since it loads a model)."""
    keep = set(types)
    stats = TeachStats()
    pending: list[InputDoc] = []
    built: Labeller | None = None

    def emit(d: InputDoc, spans: list[dict[str, Any]], who: str) -> None:
        spans = sorted((s for s in spans if s["type"] in keep), key=lambda s: (s["start"], s["end"]))
        split = split_of(d.id, heldout)
        rec: dict[str, Any] = {"id": d.id, "text": d.text, "spans": spans, "teacher": who, "split": split}
        if d.spans is not None:
            rec["gold"] = [s for s in d.spans if s["type"] in keep]
        out.write(orjson.dumps(rec) + b"\n")
        stats.docs += 1
        stats.by_teacher[who] += 1
        stats.split[split] += 1
        stats.spans.update(s["type"] for s in spans)

    def flush() -> None:
        nonlocal built
        if not pending:
            return
        if built is None:
            if labeller is None:
                raise TeachError("the llm teacher was asked for but no cascade is configured")
            built = labeller()
        t0 = time.perf_counter()
        labelled = built(pending)
        stats.llm_seconds += time.perf_counter() - t0
        stats.llm_docs += len(pending)
        for d, spans in zip(pending, labelled, strict=True):
            if isinstance(spans, str):
                stats.teacher_failed += 1
                stats.failures[spans[:160]] += 1
            else:
                emit(d, spans, "llm")
        pending.clear()
        if stats.llm_docs >= FAIL_FAST_DOCS and stats.teacher_failed == stats.llm_docs:
            reason, _ = stats.failures.most_common(1)[0]
            raise TeachError(f"the cascade failed on all {stats.llm_docs} documents so far, e.g. {reason}")
        if progress:
            progress(stats.docs + stats.teacher_failed)

    for d in docs:
        if teacher == "gold" or (teacher == "auto" and d.spans is not None):
            if d.spans is None:
                raise TeachError(
                    f"document {d.id!r} has no 'spans' field; --teacher gold needs gold spans on every input"
                )
            emit(d, d.spans, "gold")
            if progress:
                progress(stats.docs + stats.teacher_failed)
        else:
            pending.append(d)
            if len(pending) >= batch_size:
                flush()
    flush()
    return stats
