"""Options and helpers shared by subcommands that build a pipeline."""

from __future__ import annotations

import argparse
import sys

from workers.config import ConfigError, PipelineSettings, load_settings


def add_pipeline_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("pipeline")
    g.add_argument("--config", help="YAML config file (env PII_WORKER_* overrides it, flags override both)")
    g.add_argument("--taxonomy", help="taxonomy YAML (default: bundled schemas/pii.yaml)")
    g.add_argument("--detectors", help="comma-separated detectors to run: rules,llm (default: rules)")
    g.add_argument("--on-detector-error", choices=["dead_letter", "degraded"],
                   help="when a non-rules detector fails: dead-letter the record or publish rules-only marked degraded")


def pipeline_settings(args: argparse.Namespace) -> PipelineSettings:
    return load_settings(
        PipelineSettings,
        args.config,
        taxonomy=args.taxonomy,
        detectors=args.detectors,
        on_detector_error=args.on_detector_error,
    )


def die(msg: str, code: int = 2) -> int:
    print(f"pii-worker: error: {msg}", file=sys.stderr)
    return code


__all__ = ["ConfigError", "add_pipeline_args", "die", "pipeline_settings"]
