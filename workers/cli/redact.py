"""`pii-worker redact`: JSONL (or plain text lines) in, redacted JSONL (or lines) out.

Every string in a JSON record is scanned and redacted, nested objects and arrays included; each
entity names its field (`text`, `meta.ssn`, `items[2].email`) with offsets into that string.
`--fields` names where the text of structured logs is (no `text` field required); other strings
are still scanned. A bad line yields an error record naming the line - never its text - and
processing goes on. Plain text keeps one output line per input line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from workers.cli.common import ConfigError, add_pipeline_args, die, pipeline_settings, positive_int
from workers.cli.progress import Progress, count_lines
from workers.lines import redact_lines
from workers.records import RecordSpec


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("redact", help="redact JSONL documents or text lines (stdin -> stdout)", description=__doc__)
    p.add_argument("--input", "-i", default="-", help="input file (default: stdin)")
    p.add_argument("--output", "-o", default="-", help="output file (default: stdout)")
    p.add_argument(
        "--format",
        choices=["jsonl", "text"],
        default="jsonl",
        help="jsonl: one JSON object per line; text: each line is a document",
    )
    p.add_argument(
        "--id-field",
        default="id",
        help="id field, kept as given unless it holds an entity (then pseudonymised) (default: id)",
    )
    p.add_argument("--text-field", default="text", help="field every record must have (default: text)")
    p.add_argument(
        "--fields",
        help="comma-separated dotted paths holding the text of structured logs "
        "(then no text field is required); every other string is scanned too",
    )
    p.add_argument("--batch-size", type=positive_int, default=64, help="documents per pipeline call")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress nor summary on stderr")
    add_pipeline_args(p)
    p.add_argument(
        "--llm-route",
        choices=["all", "uncovered", "uncertain"],
        help="which documents and types the LLM is asked about (default: uncertain; env PII_WORKER_LLM_LLM_ROUTE)",
    )
    p.set_defaults(func=run)


def output_problem(path: str) -> str | None:
    """Why `path` cannot be written, checked before a slow pipeline start; None when it can."""
    if path == "-":
        return None
    if os.path.isdir(path):
        return f"cannot write {path}: it is a directory"
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        return f"cannot write {path}: directory {parent} does not exist"
    if os.path.exists(path):
        if not os.access(path, os.W_OK):
            return f"cannot write {path}: permission denied"
    elif not os.access(parent, os.W_OK):
        return f"cannot write {path}: directory {parent} is not writable"
    return None


def _routed_llm(settings: Any, route: str | None) -> Any:
    """The LLM detector with `--llm-route` applied; None (built from env) without the flag."""
    if route is None or "llm" not in settings.detectors:
        return None
    from workers.detect.llm import LLMSettings, build_llm_detector
    from workers.settings import load_settings
    from workers.taxonomy import load_taxonomy

    # The flag over PII_WORKER_LLM_*; a bad value is a ConfigError naming it.
    return build_llm_detector(load_taxonomy(settings.taxonomy), load_settings(LLMSettings, llm_route=route))


def run(args: argparse.Namespace) -> int:
    from workers.pipeline_factory import build_pipeline

    try:
        settings = pipeline_settings(args)
        spec = RecordSpec(
            input_format="text" if args.format == "text" else "json",
            id_field=args.id_field,
            text_field=args.text_field,
            fields=tuple(f.strip() for f in (args.fields or "").split(",") if f.strip()),
            max_document_bytes=settings.max_document_bytes,
        )
    except (ConfigError, ValueError) as e:
        return die(str(e))
    problem = output_problem(args.output)
    if problem:
        return die(problem)
    try:
        src = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")  # noqa: SIM115
    except OSError as e:
        return die(f"cannot read {args.input}: {e.strerror}")
    try:
        pipeline = build_pipeline(settings, llm=_routed_llm(settings, args.llm_route), ner_model=args.ner_model)
        try:
            dst = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
        except OSError as e:
            return die(f"cannot write {args.output}: {e.strerror}")
        t0 = time.perf_counter()
        try:
            bar = Progress("pii-worker redact", count_lines(args.input), enabled=not args.quiet)
            stats = redact_lines(pipeline, src, dst, spec, batch_size=args.batch_size, progress=bar)
        finally:
            dst.flush()
            if dst is not sys.stdout.buffer:
                dst.close()
    except ConfigError as e:
        return die(str(e))
    finally:
        if src is not sys.stdin.buffer:
            src.close()
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
