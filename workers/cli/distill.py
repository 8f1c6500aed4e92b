"""`pii-worker distill`: teach a compact encoder (the `ner` tier) a taxonomy from a teacher's labels.

    pii-worker distill --taxonomy my.yaml --input docs.jsonl --out my-student
    PII_WORKER_NER_MODEL=my-student pii-worker redact --taxonomy my.yaml --detectors rules,ner ...

Phases teach -> train -> export -> evaluate run in a work folder (default ./distill-NAME); a rerun
skips the phases whose inputs did not change, so editing the silver labels (silver.jsonl) and
rerunning retrains without re-teaching.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workers.cli.common import positive_int
from workers.distill.budget import RULE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "distill",
        help="distill a token-classification student for a taxonomy (teach, train, export, evaluate)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--taxonomy", required=True, help="taxonomy YAML the student learns (its types are the labels)")
    p.add_argument("--input", "-i", required=True, help="documents: JSONL or JSONL.gz of {id, text, spans?}")
    p.add_argument("--out", required=True, help="student name: installed in the model cache under this name")
    p.add_argument(
        "--teacher",
        choices=["gold", "llm", "auto"],
        default="auto",
        help="gold: the input's spans; llm: the cascade labels every document; auto: gold where present (default)",
    )
    p.add_argument("--teacher-detectors", default="rules,llm", help="the cascade used as teacher (default rules,llm)")
    p.add_argument(
        "--types", help="comma-separated types to learn (default: the taxonomy's types listing ner, else all)"
    )
    p.add_argument("--work-dir", help="work folder (default ./distill-NAME)")
    p.add_argument("--cache-dir", help="model cache (default $PII_WORKER_MODEL_CACHE or ~/.cache/pii-workers/models)")
    p.add_argument(
        "--base", default="minilm-l6-base", help="base encoder: a cache name or a directory (default minilm-l6-base)"
    )
    p.add_argument("--limit", type=int, help="use only the first N documents")
    p.add_argument(
        "--heldout", type=float, default=0.1, help="share of documents held out for evaluation (default 0.1)"
    )
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        help=f"passes over the training split (default: {RULE}; 2,000 documents at batch 16 get 2, "
        "200 about 20); a training set too small to learn from is warned about before training",
    )
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch/onnxruntime threads (0: library default)")
    p.add_argument(
        "--bf16",
        choices=["auto", "on", "off"],
        default="auto",
        help="bf16 autocast while training (auto: where the CPU has native bf16)",
    )
    p.add_argument("--no-int8", action="store_true", help="export fp32 ONNX (no dynamic quantisation)")
    p.add_argument(
        "--ray", action="store_true", help="train under Ray Train's TorchTrainer (RAY_ADDRESS or a local Ray)"
    )
    p.add_argument("--num-workers", type=int, default=2, help="Ray Train workers (with --ray)")
    p.add_argument("--gpu", action="store_true", help="Ray Train workers use a GPU each (with --ray)")
    p.add_argument(
        "--teacher-speed",
        type=int,
        default=0,
        metavar="N",
        help="with a gold teacher: time the cascade on N held-out documents for the docs/s comparison",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workers.distill.evaluate import format_eval
    from workers.distill.run import DistillError, Options
    from workers.distill.run import run as run_distill
    from workers.distill.teach import TeachError
    from workers.taxonomy import TaxonomyError

    if not 0.0 < args.heldout < 1.0:
        print("pii-worker distill: --heldout must be between 0 and 1", file=sys.stderr)
        return 2
    opt = Options(
        taxonomy=Path(args.taxonomy),
        input=Path(args.input),
        out=args.out,
        teacher=args.teacher,
        work_dir=Path(args.work_dir) if args.work_dir else None,
        cache_dir=args.cache_dir,
        base=args.base,
        types=[t.strip() for t in args.types.split(",") if t.strip()] if args.types else None,
        teacher_detectors=[d.strip() for d in args.teacher_detectors.split(",") if d.strip()],
        limit=args.limit,
        heldout=args.heldout,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        int8=not args.no_int8,
        ray=args.ray,
        num_workers=args.num_workers,
        gpu=args.gpu,
        teacher_speed_docs=args.teacher_speed,
        bf16=None if args.bf16 == "auto" else args.bf16 == "on",
    )
    try:
        out = run_distill(opt)
    except (DistillError, TeachError, TaxonomyError) as e:
        print(f"pii-worker distill: error: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(format_eval(out["evaluation"]), file=sys.stderr)
        print(out["model_dir"])
    return 0
