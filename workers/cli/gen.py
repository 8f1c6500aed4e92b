"""`pii-worker gen`: synthetic log lines with gold PII spans, as JSONL."""

from __future__ import annotations

import argparse
import sys

import orjson


def register(sub: argparse._SubParsersAction) -> None:
    from workers.loggen import FORMAT_GROUPS, FORMATS, SECURITY

    p = sub.add_parser(
        "gen",
        help="generate realistic log lines with gold PII spans (JSONL)",
        description="Write N synthetic log documents as JSONL "
        '{"id","text","spans":[{"type","start","end"}],"format","decoys"}; deterministic given --seed.',
    )
    p.add_argument("--n", type=int, default=100, help="number of documents (default 100)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--format",
        action="append",
        choices=sorted(FORMATS) + sorted(SECURITY) + sorted(FORMAT_GROUPS),
        help="restrict to this format or group (repeatable): 'security' is every security-log format, "
        "'security-tuned' / 'security-heldout' its two halves (held out: round 3's formats, never tuned on), "
        "'security-heldout2' round 2's held-out formats (tuned since round 3); default: the app/web log mix "
        "(security formats are never in it)",
    )
    p.add_argument("--output", "-o", default="-", help="output file (default stdout)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workers.loggen import iter_docs

    if args.n < 0:
        print("pii-worker gen: --n must be >= 0", file=sys.stderr)
        return 2
    out = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")
    try:
        for doc in iter_docs(args.n, args.seed, args.format):
            out.write(orjson.dumps(doc.to_json()) + b"\n")
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()
    return 0
