"""`pii-worker redact`: JSONL (or plain text lines) in, redacted JSONL (or lines) out.

A bad line yields an error record naming the line - never its text - and processing goes on.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from typing import IO, Any

import orjson

from workers.cli.common import ConfigError, add_pipeline_args, die, pipeline_settings
from workers.models import Document, Failure, Result
from workers.pipeline import Pipeline


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("redact", help="redact JSONL documents or text lines (stdin -> stdout)",
                       description=__doc__)
    p.add_argument("--input", "-i", default="-", help="input file (default: stdin)")
    p.add_argument("--output", "-o", default="-", help="output file (default: stdout)")
    p.add_argument("--format", choices=["jsonl", "text"], default="jsonl",
                   help="jsonl: {'id','text',...} per line; text: each line is a document")
    p.add_argument("--id-field", default="id")
    p.add_argument("--text-field", default="text")
    p.add_argument("--batch-size", type=int, default=64, help="documents per pipeline call")
    p.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    add_pipeline_args(p)
    p.set_defaults(func=run)


class LineError(ValueError):
    def __init__(self, message: str, doc_id: str | None = None):
        super().__init__(message)
        self.doc_id = doc_id


def parse_line(raw: bytes, lineno: int, fmt: str, id_field: str, text_field: str) -> Document:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LineError(f"invalid UTF-8 at byte {e.start}") from None
    line = line.rstrip("\r\n")
    if fmt == "text":
        return Document(id=str(lineno), text=line)
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as e:
        raise LineError(f"invalid JSON: {e}") from None
    if not isinstance(obj, dict):
        raise LineError(f"expected a JSON object, got {type(obj).__name__}")
    doc_id = obj.pop(id_field, None)
    doc_id = str(lineno) if doc_id is None else str(doc_id)
    if text_field not in obj:
        raise LineError(f"missing field {text_field!r}", doc_id)
    text = obj.pop(text_field)
    if not isinstance(text, str):
        raise LineError(f"field {text_field!r} must be a string, got {type(text).__name__}", doc_id)
    return Document(id=doc_id, text=text, extra=obj)


def result_record(r: Result, id_field: str = "id", text_field: str = "text") -> dict[str, Any]:
    rec: dict[str, Any] = dict(r.extra)
    rec[id_field] = r.id
    rec[text_field] = r.text
    rec["entities"] = [
        {"type": s.type, "start": s.start, "end": s.end, "score": s.score, "detector": s.detector}
        for s in r.entities
    ]
    if r.degraded:
        rec["degraded"] = True
    return rec


def error_record(lineno: int, doc_id: str | None, stage: str, error_class: str, message: str) -> dict[str, Any]:
    return {"id": doc_id, "error": {"line": lineno, "stage": stage, "class": error_class, "message": message}}


def _batches(stream: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for lineno, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        batch.append((lineno, raw))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def process(pipeline: Pipeline, src: IO[bytes], dst: IO[bytes], args: argparse.Namespace) -> dict[str, int]:
    stats = {"docs": 0, "entities": 0, "errors": 0, "degraded": 0}
    text_mode = args.format == "text"
    for batch in _batches(src, max(1, args.batch_size)):
        docs: list[tuple[int, Document]] = []
        out: dict[int, tuple[bytes, bool]] = {}  # line -> (record, is_error)
        for lineno, raw in batch:
            try:
                docs.append((lineno, parse_line(raw, lineno, args.format, args.id_field, args.text_field)))
            except LineError as e:
                out[lineno] = (_emit_error(text_mode, error_record(lineno, e.doc_id, "ingest", "LineError", str(e))), True)
        results = pipeline.run([d for _, d in docs]) if docs else []
        for (lineno, doc), res in zip(docs, results, strict=True):
            if isinstance(res, Failure):
                rec = error_record(lineno, doc.id, res.stage, res.error_class, res.message)
                out[lineno] = (_emit_error(text_mode, rec), True)
            else:
                stats["entities"] += len(res.entities)
                stats["degraded"] += res.degraded
                line = (res.text.encode("utf-8", "surrogatepass") + b"\n") if text_mode else (
                    orjson.dumps(result_record(res, args.id_field, args.text_field)) + b"\n")
                out[lineno] = (line, False)
        for lineno in sorted(out):
            line, is_error = out[lineno]
            dst.write(line)
            stats["errors" if is_error else "docs"] += 1
    return stats


def _emit_error(text_mode: bool, rec: dict[str, Any]) -> bytes:
    if text_mode:  # keep line alignment; the original line is withheld
        e = rec["error"]
        return f"[pii-worker error: line {e['line']} {e['stage']}: {e['message']}]\n".encode()
    return orjson.dumps(rec) + b"\n"


def run(args: argparse.Namespace) -> int:
    from workers.pipeline_factory import build_pipeline

    try:
        pipeline = build_pipeline(pipeline_settings(args))
    except ConfigError as e:
        return die(str(e))
    try:
        src = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")  # noqa: SIM115
    except OSError as e:
        return die(f"cannot read {args.input}: {e.strerror}")
    dst = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
    t0 = time.perf_counter()
    try:
        stats = process(pipeline, src, dst, args)
    finally:
        dst.flush()
        if src is not sys.stdin.buffer:
            src.close()
        if dst is not sys.stdout.buffer:
            dst.close()
    dt = time.perf_counter() - t0
    if not args.quiet:
        n = stats["docs"] + stats["errors"]
        print(
            f"pii-worker redact: {stats['docs']} documents, {stats['entities']} entities, "
            f"{stats['errors']} errors, {stats['degraded']} degraded in {dt:.2f}s "
            f"({n / dt if dt > 0 else 0:.0f} docs/s); detectors: {','.join(pipeline.detector_names)}",
            file=sys.stderr,
        )
    return 0
