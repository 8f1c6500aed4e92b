"""Redact a stream of lines - JSONL records or plain text - in batches: what `pii-worker redact`
and `POST /redact` both run, so they answer byte for byte the same.

Output keeps input order. A bad line becomes an error record naming the line (never its text) and
processing goes on. Plain text keeps one output line per input line, blank lines included; JSONL
skips blank lines. A line longer than the document limit is never held in memory whole: it is
read in bounded chunks, counted and reported as too large.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, Protocol

from workers.models import Document, Failure, Result
from workers.record_output import error_record, output_record, redact_record
from workers.records import (
    ParsedRecord,
    RecordError,
    RecordSpec,
    dumps,
    parse_record,
)
from workers.redact import Redactor

_CHUNK = 1 << 20


class RedactingPipeline(Protocol):
    """What line redaction needs from workers.pipeline.Pipeline."""

    @property
    def redactor(self) -> Redactor: ...

    def run(self, docs: Sequence[Document]) -> list[Result | Failure]: ...


class TooLong:
    """A line past the limit: only its size is kept."""

    __slots__ = ("size",)

    def __init__(self, size: int):
        self.size = size


def read_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | TooLong]]:
    """(line number, line without its terminator) - or TooLong for a line over `limit` bytes,
    which is skipped in chunks so memory stays bounded by the limit."""
    lineno = 0
    while True:
        raw = stream.readline(limit + 3)  # room for the longest allowed line and its \r\n
        if not raw:
            return
        lineno += 1
        if raw.endswith(b"\n") or len(raw) <= limit:
            yield lineno, raw.rstrip(b"\r\n")
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = stream.readline(_CHUNK)
            if not raw:
                break
            size += len(raw)
        yield lineno, TooLong(size - (1 if raw.endswith(b"\n") else 0))


def _batches(stream: IO[bytes], spec: RecordSpec, size: int) -> Iterator[list[tuple[int, bytes | TooLong]]]:
    batch: list[tuple[int, bytes | TooLong]] = []
    for lineno, line in read_lines(stream, spec.max_document_bytes):
        batch.append((lineno, line))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def redact_lines(
    pipeline: RedactingPipeline,
    src: IO[bytes],
    dst: IO[bytes],
    spec: RecordSpec,
    *,
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Counts: docs (published), entities, errors, degraded. `progress(records so far)` after each batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    stats = {"docs": 0, "entities": 0, "errors": 0, "degraded": 0}
    text_mode = spec.input_format == "text"
    for batch in _batches(src, spec, batch_size):
        parsed: list[tuple[int, ParsedRecord]] = []
        out: dict[int, tuple[bytes, bool]] = {}  # line -> (output, is_error)
        for lineno, line in batch:
            if isinstance(line, TooLong):
                line_err = RecordError(
                    f"document is {line.size} bytes, limit is {spec.max_document_bytes} (max_document_bytes)",
                    "DocumentTooLarge",
                )
                out[lineno] = (_error_line(text_mode, lineno, None, "ingest", line_err), True)
                continue
            if not line.strip():
                if text_mode:  # keep one output line per input line
                    out[lineno] = (line + b"\n", False)
                continue
            try:
                parsed.append((lineno, parse_record(line, spec, str(lineno))))
            except RecordError as e:
                out[lineno] = (_error_line(text_mode, lineno, e.doc_id, "ingest", e), True)
        results = pipeline.run([p.document() for _, p in parsed]) if parsed else []
        for (lineno, rec), res in zip(parsed, results, strict=True):
            if isinstance(res, Failure):
                out[lineno] = (
                    _error_line(text_mode, lineno, rec.doc_id, res.stage, RecordError(res.message, res.error_class)),
                    True,
                )
                continue
            red = redact_record(rec, res, pipeline.redactor)
            stats["entities"] += len(red.entities)
            stats["degraded"] += res.degraded
            if text_mode:
                out[lineno] = ((red.text or "").encode("utf-8", "surrogatepass") + b"\n", False)
            else:
                out[lineno] = (
                    dumps(output_record(red, res, spec.id_field, spec.text_field, rec.doc_id)) + b"\n",
                    False,
                )
        for lineno in sorted(out):
            data, is_error = out[lineno]
            dst.write(data)
            if is_error:
                stats["errors"] += 1
            elif text_mode and not data.strip():
                continue
            else:
                stats["docs"] += 1
        if progress is not None:
            progress(stats["docs"] + stats["errors"])
    return stats


def _error_line(text_mode: bool, lineno: int, doc_id: str | None, stage: str, e: RecordError) -> bytes:
    if text_mode:  # keep line alignment; the original line is withheld
        return f"[pii-worker error: line {lineno} {stage}: {e}]\n".encode()
    rec: dict[str, Any] = error_record(lineno, doc_id, stage, e.error_class, str(e))
    return dumps(rec) + b"\n"
