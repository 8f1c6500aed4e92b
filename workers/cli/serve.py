"""`pii-worker serve --config FILE`: run the Ray Serve application (consumers, extractor, HTTP).

Starts a local Ray on 127.0.0.1 (or joins one with --address auto), deploys the app and blocks
until SIGTERM/SIGINT, then shuts Serve down (consumers finish or abandon their batch and leave
their group).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

import yaml


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="run the Ray Serve app: Kafka consumers + LLM extractor + POST /redact")
    p.add_argument("--config", required=True, metavar="FILE",
                   help="ServeAppConfig YAML, or a Serve config file (deploy/serve_config.yaml)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value by dotted path, e.g. consumer.stream.bootstrap_servers=kafka:9092 "
                        "(VALUE is parsed as YAML); repeatable")
    p.add_argument("--device", choices=["gpu", "cpu"], help="override the config's device (cpu: extractor num_gpus=0)")
    p.add_argument("--address", default=None, help="join a running Ray cluster (e.g. auto); default: start a local one")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--num-cpus", type=float, default=None, help="CPUs for a locally started Ray")
    p.add_argument("--no-dashboard", action="store_true", help="do not start the Ray dashboard")
    p.set_defaults(func=_serve)


def apply_overrides(data: dict[str, Any], pairs: list[str]) -> dict[str, Any]:
    """`a.b.c=VALUE` pairs applied to a nested mapping (VALUE parsed as YAML)."""
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                raise ValueError(f"--set {key}: {part} is not a mapping")
            node = nxt
        node[parts[-1]] = yaml.safe_load(raw)
    return data


def load_with_overrides(path: str, pairs: list[str], device: str | None = None) -> Any:
    from workers.serve.config import ConfigError, load_config

    try:
        raw = yaml.safe_load(open(path, encoding="utf-8").read()) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    if isinstance(raw, dict) and "applications" in raw:
        raw = (raw["applications"] or [{}])[0].get("args", {}) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    apply_overrides(raw, pairs)
    if device:
        raw["device"] = device
    return load_config(raw)


def _serve(args: argparse.Namespace) -> int:
    from workers.serve.config import ConfigError

    try:
        cfg = load_with_overrides(args.config, args.set, args.device)
    except (ConfigError, ValueError) as e:
        print(f"pii-worker serve: {e}", file=sys.stderr)
        return 2

    from workers.serve.runtime import start_local_ray, stop_local_ray  # before Ray: loopback switch

    from ray import serve  # noqa: I001

    from workers.serve.app import build_app

    stop = threading.Event()
    rt = start_local_ray(address=args.address, http_port=args.port, http_host=args.host,
                         num_cpus=args.num_cpus, dashboard=not args.no_dashboard)
    # After ray.init, which installs its own SIGTERM handler (that one would skip our shutdown).
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        serve.run(build_app(cfg), name=cfg.name, route_prefix=cfg.route_prefix)
        print(f"pii-worker serve: app {cfg.name!r} running (device={cfg.device}, extractor="
              f"{'on' if cfg.extractor.enabled else 'off'}, consumers={'on' if cfg.consumer.enabled else 'off'})",
              file=sys.stderr)
        print(f"  POST http://{args.host}:{rt.http_port}{cfg.route_prefix.rstrip('/')}/redact   "
              f"GET http://{args.host}:{rt.http_port}{cfg.route_prefix.rstrip('/')}/healthz", file=sys.stderr)
        if rt.dashboard_url:
            print(f"  Ray dashboard: {rt.dashboard_url}", file=sys.stderr)
        if rt.metrics_url:
            print(f"  metrics: {rt.metrics_url}", file=sys.stderr)
        stop.wait()
        print("pii-worker serve: stopping", file=sys.stderr)
    finally:
        stop_local_ray()
    return 0
