"""The `pii-worker` command. Each subcommand lives in its own module with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import sys

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
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pii-worker", description="Streaming PII detection and redaction."
    )
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
