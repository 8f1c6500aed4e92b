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


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="run the Ray Serve app: Kafka consumers + LLM extractor + POST /redact")
    p.add_argument(
        "--config",
        required=True,
        metavar="FILE",
        help="ServeAppConfig YAML, or a Serve config file (deploy/serve_config.yaml)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value by dotted path, e.g. consumer.stream.bootstrap_servers=kafka:9092 "
        "(VALUE is parsed as YAML); repeatable",
    )
    p.add_argument("--device", choices=["gpu", "cpu"], help="override the config's device (cpu: extractor num_gpus=0)")
    p.add_argument("--address", default=None, help="join a running Ray cluster (e.g. auto); default: start a local one")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--num-cpus", type=float, default=None, help="CPUs for a locally started Ray")
    p.add_argument("--no-dashboard", action="store_true", help="do not start the Ray dashboard")
    p.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from workers.serve.config import load_config

    # Every key is checked here, before Ray starts: a misspelt one fails naming its path
    # (ConfigError: one line, exit code 2 from workers.cli).
    cfg = load_config(args.config, args.set, args.device)

    # Before Ray is imported: it switches Ray to loopback addresses.
    from workers.serve.runtime import start_local_ray, stop_local_ray  # noqa: I001

    from ray import serve

    from workers.serve.app import build_app

    stop = threading.Event()
    rt = start_local_ray(
        address=args.address,
        http_port=args.port,
        http_host=args.host,
        num_cpus=args.num_cpus,
        dashboard=not args.no_dashboard,
    )
    # After ray.init, which installs its own SIGTERM handler (that one would skip our shutdown).
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        serve.run(build_app(cfg), name=cfg.name, route_prefix=cfg.route_prefix)
        print(
            f"pii-worker serve: app {cfg.name!r} running (device={cfg.device}, extractor="
            f"{'on' if cfg.extractor.enabled else 'off'}, consumers={'on' if cfg.consumer.enabled else 'off'})",
            file=sys.stderr,
        )
        print(
            f"  POST http://{args.host}:{rt.http_port}{cfg.route_prefix.rstrip('/')}/redact   "
            f"GET http://{args.host}:{rt.http_port}{cfg.route_prefix.rstrip('/')}/healthz",
            file=sys.stderr,
        )
        if rt.dashboard_url:
            print(f"  Ray dashboard: {rt.dashboard_url}", file=sys.stderr)
        if rt.metrics_url:
            print(f"  metrics: {rt.metrics_url}", file=sys.stderr)
        stop.wait()
        print("pii-worker serve: stopping", file=sys.stderr)
    finally:
        stop_local_ray()
    return 0
