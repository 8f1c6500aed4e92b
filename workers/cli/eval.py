"""`pii-worker eval`: score detectors (or another tool's predictions) against gold spans.

Two modes:
- run our pipeline on the gold texts (`--detectors rules[,llm]`, `--taxonomy`);
- `--predictions FILE`: score a JSONL written by any tool in the `pii-worker redact` output
  contract (`{"id","text"(redacted),"entities":[{"type","start","end",...}]}`), e.g. Presidio.
Scoring rules and the dataset type mapping are documented in workers/evaluate/__init__.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

import orjson

from workers.cli.progress import Progress

if TYPE_CHECKING:
    from workers.detect.llm import LLMDetector


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score detection/redaction against gold spans",
        description="Span precision/recall/F1 (overlap and exact), per-type recall and precision, "
        "value/character leak rates and over-redaction. Gold: presidio-research JSON "
        '(full_text + spans[entity_type,start_position,end_position]) or JSONL {"id","text","spans"}. '
        "Dataset labels are mapped to taxonomy names (GPE->LOCATION, DOMAIN_NAME->URL); labels that "
        "are not scored types (ORGANIZATION, TITLE, NRP, AGE, DATE_TIME, ...) are excluded from both "
        "sides and reported.",
    )
    p.add_argument("--gold", required=True, help="gold file (presidio-research JSON or JSONL)")
    p.add_argument("--detectors", default="rules", help="comma-separated detectors to run (default: rules)")
    p.add_argument("--taxonomy", default=None, help="taxonomy YAML (default: the packaged one)")
    p.add_argument(
        "--ner-model",
        help="encoder for the ner detector: packaged name, distilled student or model directory (default rampart)",
    )
    p.add_argument(
        "--predictions", default=None, help="score this JSONL (redact output contract) instead of running detectors"
    )
    p.add_argument("--limit", type=int, default=None, help="only the first N gold documents")
    p.add_argument(
        "--types", default=None, help="comma-separated taxonomy types to score (default: every taxonomy type)"
    )
    p.add_argument("--batch-size", type=int, default=64, help="documents per pipeline batch (default 64)")
    p.add_argument("--examples", type=int, default=0, help="print up to K missed and K false spans per type")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("--save-predictions", default=None, help="also write our predictions as JSONL (redact contract)")
    g = p.add_argument_group("LLM options (passed through to the LLM detector when --detectors includes llm)")
    g.add_argument("--prompt-style", default=None, help="prompt style, e.g. json | gollie | per-type")
    g.add_argument("--output-format", default=None, help="answer shape of json/gollie: list | grouped")
    g.add_argument("--model", default=None, help="model name or path for the LLM detector")
    g.add_argument("--llm-url", default=None, help="OpenAI-compatible endpoint instead of in-process vLLM")
    g.add_argument(
        "--llm-route",
        default=None,
        choices=["all", "uncovered", "uncertain"],
        help="which documents and types the LLM is asked about (default: uncertain)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def _scored_types(args: argparse.Namespace) -> frozenset[str]:
    from workers.taxonomy import load_taxonomy

    names = set(load_taxonomy(args.taxonomy).names())
    if args.types:
        wanted = {t.strip() for t in args.types.split(",") if t.strip()}
        unknown = wanted - names
        if unknown:
            raise SystemExit(f"pii-worker eval: --types not in the taxonomy: {sorted(unknown)}")
        names = wanted
    return frozenset(names)


def _llm_detector(args: argparse.Namespace) -> LLMDetector:
    """The LLM detector with the pass-through options (the rest from PII_WORKER_LLM_* env)."""
    from workers.detect.llm import LLMSettings, build_llm_detector
    from workers.taxonomy import load_taxonomy

    opts: dict[str, Any] = {
        "prompt_style": args.prompt_style,
        "output_format": args.output_format,
        "model": args.model,
        "llm_route": args.llm_route,
    }
    if args.llm_url:
        opts.update(backend="openai", base_url=args.llm_url)
    settings = LLMSettings(**{k: v for k, v in opts.items() if v is not None})
    return build_llm_detector(load_taxonomy(args.taxonomy), settings)


def _build_pipeline(args: argparse.Namespace, detectors: list[str]) -> tuple[Any, LLMDetector | None]:
    from workers.config import PipelineSettings
    from workers.pipeline_factory import build_pipeline

    kw: dict[str, Any] = {"detectors": detectors}
    if args.taxonomy:
        kw["taxonomy"] = args.taxonomy
    settings = PipelineSettings(**kw)
    llm = _llm_detector(args) if "llm" in detectors else None
    return build_pipeline(settings, llm=llm, ner_model=args.ner_model), llm


def run(args: argparse.Namespace) -> int:
    from workers import evaluate as ev

    gold = ev.load_gold(args.gold, args.limit)
    types = ev.TypeMap(scored=_scored_types(args))
    t0 = time.monotonic()
    hallucinations: int | None = None
    llm_stats: dict[str, int] | None = None
    if args.predictions:
        preds = ev.align(gold, ev.load_predictions(args.predictions))
        detectors: list[str] = []
    else:
        detectors = [d.strip() for d in args.detectors.split(",") if d.strip()]
        pipeline, llm = _build_pipeline(args, detectors)
        t0 = time.monotonic()  # throughput excludes building the pipeline (pattern compile, model load)
        bar = Progress("pii-worker eval", len(gold), enabled=not args.quiet)
        try:
            preds = ev.run_pipeline(pipeline, gold, batch_size=args.batch_size, progress=bar)
        finally:
            pipeline.close()
        if llm is not None:  # the LLM detector counts mentions not in the text, tokens, routing
            hallucinations = llm.stats.hallucinations
            llm_stats = llm.stats.as_dict()
    elapsed = time.monotonic() - t0
    if args.save_predictions:
        with open(args.save_predictions, "wb") as f:
            for p in preds:
                f.write(
                    orjson.dumps({"id": p.id, "text": p.redacted, "entities": [s.model_dump() for s in p.spans]})
                    + b"\n"
                )

    report = ev.score(gold, preds, types, keep_examples=max(args.examples, 5))
    if hallucinations is not None:
        report["hallucinations"] = hallucinations
    if llm_stats is not None:
        report["llm_stats"] = llm_stats
    report.update(
        gold_file=args.gold,
        predictions_file=args.predictions,
        detectors=detectors,
        scored_types=sorted(types.scored),
        type_aliases=types.aliases,
        seconds=round(elapsed, 3),
        docs_per_s=(len(gold) / elapsed) if elapsed > 0 and not args.predictions else None,
    )
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    print(ev.format_report(report))
    if args.examples:
        for kind in ("missed", "false"):
            for t, xs in report["examples"][kind].items():
                for x in xs[: args.examples]:
                    print(f"  {kind:<6} {t:<22} {x}")
    return 0
