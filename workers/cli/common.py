"""Options and helpers shared by subcommands that build a pipeline."""

from __future__ import annotations

import argparse
import sys

from workers.config import PipelineSettings
from workers.errors import ConfigError
from workers.settings import load_settings


def positive_int(value: str) -> int:
    """argparse type: an integer >= 1 (a batch of 0 documents would never progress)."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def add_pipeline_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("pipeline")
    g.add_argument("--config", help="YAML config file (env PII_WORKER_* overrides it, flags override both)")
    g.add_argument("--taxonomy", help="taxonomy YAML (default: bundled schemas/pii.yaml)")
    g.add_argument(
        "--detectors",
        help="comma-separated detectors to run, in cascade order rules -> ner -> llm: e.g. rules,ner or rules,ner,llm (default: rules)",
    )
    g.add_argument(
        "--ner-model",
        help="encoder for the ner detector: a packaged name (rampart), a distilled "
        "student's name or a model directory (default: rampart; env PII_WORKER_NER_MODEL)",
    )
    g.add_argument(
        "--on-detector-error",
        choices=["dead_letter", "degraded"],
        help="when a non-rules detector fails: dead-letter the record or publish rules-only marked degraded",
    )
    g.add_argument(
        "--max-document-bytes",
        type=positive_int,
        help="larger records become error records, never partly scanned (default 4 MiB)",
    )


def pipeline_settings(args: argparse.Namespace) -> PipelineSettings:
    from workers.stream.config import StreamSettings  # a shared config file may hold stream keys

    return load_settings(
        PipelineSettings,
        args.config,
        shared_with=[StreamSettings],
        taxonomy=args.taxonomy,
        detectors=args.detectors,
        on_detector_error=args.on_detector_error,
        max_document_bytes=getattr(args, "max_document_bytes", None),
    )


def die(msg: str, code: int = 2) -> int:
    """One line on stderr, never a traceback: multi-line messages are folded."""
    print(f"pii-worker: error: {'; '.join(x.strip() for x in msg.splitlines() if x.strip())}", file=sys.stderr)
    return code


__all__ = ["ConfigError", "add_pipeline_args", "die", "pipeline_settings", "positive_int"]
