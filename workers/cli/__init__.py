"""The `pii-worker` command. Each subcommand lives in its own module with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

# Subcommand modules under workers.cli; each exposes register(subparsers).
COMMANDS = [
    "broker",
    "run",
    "redact",
    "gen",
    "eval",
    "model",
    "serve",
    "demo",
    "distill",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pii-worker", description="Streaming PII detection and redaction.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"workers.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"workers.cli.{name}":
                raise
            continue  # subcommand not present in this build
        mod.register(sub)
    return parser


# Optional extras and the module that tells a user which one is missing.
_EXTRA_MODULES = {"vllm": "cpu or gpu", "torch": "cpu or gpu", "transformers": "cpu or gpu", "ray": "cpu or gpu"}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from workers.cpu import configure_threads

    configure_threads()  # every command: vLLM binding and onnxruntime threads from this machine
    try:
        rc = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 - a user sees one line, never a traceback
        return _report(args, e)
    return int(rc or 0)


def _report(args: argparse.Namespace, e: Exception) -> int:
    from workers.errors import ConfigError

    if os.environ.get("PII_WORKER_DEBUG"):
        traceback.print_exc()
    cmd = getattr(args, "command", None) or "pii-worker"
    if isinstance(e, ModuleNotFoundError) and (e.name or "").split(".")[0] in _EXTRA_MODULES:
        mod = (e.name or "").split(".")[0]
        msg = (
            f"{mod} is not installed: this needs the {_EXTRA_MODULES[mod]} extra "
            "(pip install 'pii-workers[cpu]', or make setup-cpu)"
        )
        code = 2
    elif isinstance(e, ConfigError):  # TaxonomyError is one: a bad taxonomy file is configuration
        msg, code = str(e), 2
    else:
        msg = f"{type(e).__name__}: {e} (set PII_WORKER_DEBUG=1 for the traceback)"
        code = 1
    one_line = "; ".join(x.strip() for x in msg.splitlines() if x.strip())
    print(f"pii-worker {cmd}: error: {one_line}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
