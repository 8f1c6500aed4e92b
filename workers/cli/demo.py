"""`pii-worker demo [--rules-only | --detectors rules,ner,llm]`: the whole product on this machine,
end to end (the cascade by default), then stop."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _default_samples() -> str:
    here = Path(__file__).resolve().parents[2] / "samples" / "logs.jsonl"
    return str(here)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo", help="stream sample logs through broker -> Ray Serve app -> topics and show the result"
    )
    p.add_argument("--rules-only", action="store_true", help="rules only: no encoder, no LLM (fast; no model needed)")
    p.add_argument(
        "--detectors",
        default="rules,ner,llm",
        help="the cascade tiers to deploy, cheapest first (default rules,ner,llm; e.g. rules,ner)",
    )
    p.add_argument(
        "--on-detector-error",
        choices=["dead_letter", "degraded"],
        default="dead_letter",
        help="a record a detector failed on: dead-letter it (default), or publish it marked "
        "degraded (counted in the summary)",
    )
    p.add_argument(
        "--ner-model", default=None, help="encoder model (packaged name, distilled student or path); default rampart"
    )
    p.add_argument(
        "--input", default=_default_samples(), help="JSONL documents {id,text[,spans]} (default: samples/logs.jsonl)"
    )
    p.add_argument("--limit", type=int, default=None, help="use only the first N documents")
    p.add_argument(
        "--repeat", type=int, default=1, help="stream the samples N times (new ids) for a steadier throughput figure"
    )
    p.add_argument(
        "--model", default=None, help="extractor model (packaged name or HF directory); default from LLM settings"
    )
    p.add_argument("--consumers", type=int, default=1, help="consumer replicas (default 1)")
    p.add_argument("--show", type=int, default=4, help="documents in the before/after view")
    p.add_argument("--no-dashboard", action="store_true", help="do not start the Ray dashboard")
    p.add_argument(
        "--keep-running", action="store_true", help="keep everything up until Ctrl-C (to browse the dashboard)"
    )
    p.add_argument("--strict", action="store_true", help="exit 1 if any gold PII value is left in the output")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    import signal

    from workers.demo import DemoOptions
    from workers.demo_run import run_demo

    def _term(signum, _frame):  # noqa: ANN001 - a TERM before Ray starts; run_demo re-installs it after
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)

    detectors = tuple(d.strip() for d in args.detectors.split(",") if d.strip())
    unknown = sorted(set(detectors) - {"rules", "ner", "llm"})
    if unknown or "rules" not in detectors:
        print(f"pii-worker demo: --detectors takes rules plus any of ner, llm (got {args.detectors})", file=sys.stderr)
        return 2
    path = Path(args.input)
    if not path.is_file():
        print(f"pii-worker demo: no such file {path}", file=sys.stderr)
        return 2
    try:
        rep = run_demo(
            DemoOptions(
                input=path,
                rules_only=args.rules_only,
                detectors=detectors,
                model=args.model,
                ner_model=args.ner_model,
                on_detector_error=args.on_detector_error,
                limit=args.limit,
                repeat=args.repeat,
                show=args.show,
                consumers=args.consumers,
                dashboard=not args.no_dashboard,
                keep_running=args.keep_running,
            )
        )
    except KeyboardInterrupt:
        print("pii-worker demo: interrupted", file=sys.stderr)
        return 130
    if rep.published + rep.dead_lettered < rep.documents:
        print(
            f"pii-worker demo: only {rep.published + rep.dead_lettered} of {rep.documents} documents came out",
            file=sys.stderr,
        )
        return 1
    if args.strict and sum(rep.leaks.values()):
        return 1
    return 0
