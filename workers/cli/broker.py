"""`pii-worker broker start|stop|status`: an embedded Kafka-protocol broker on 127.0.0.1."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("broker", help="start/stop/status of an embedded Kafka-protocol broker (demo, tests)")
    sub = p.add_subparsers(dest="broker_command", metavar="ACTION")
    sub.required = True

    s = sub.add_parser("start", help="start a broker in the background and wait until it is ready")
    s.add_argument("--port", type=int, default=9092, help="Kafka port on 127.0.0.1 (0 = pick a free one)")
    s.add_argument("--data-dir", default=".pii-broker", help="where the broker keeps data and its pid file")
    s.add_argument(
        "--kind",
        choices=["noida-db", "tansu"],
        default="noida-db",
        help="broker implementation (tansu is memory-only; for tests)",
    )
    s.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for readiness")
    s.set_defaults(func=_start)

    st = sub.add_parser("stop", help="stop the broker started from --data-dir (data is kept)")
    st.add_argument("--data-dir", default=".pii-broker")
    st.set_defaults(func=_stop)

    q = sub.add_parser("status", help="print whether the broker is running and ready (JSON); exit 1 if not")
    q.add_argument("--data-dir", default=".pii-broker")
    q.set_defaults(func=_status)


def _start(args: argparse.Namespace) -> int:
    from workers.broker import BrokerError, start

    try:
        info = start(args.data_dir, port=args.port or None, kind=args.kind, timeout_s=args.timeout)
    except BrokerError as e:
        print(f"error: {e}")
        return 1
    print(
        json.dumps(
            {"kind": info.kind, "pid": info.pid, "bootstrap_servers": info.bootstrap, "data_dir": str(info.data_dir)}
        )
    )
    return 0


def _stop(args: argparse.Namespace) -> int:
    from workers.broker import stop

    print("stopped" if stop(args.data_dir) else "not running")
    return 0


def _status(args: argparse.Namespace) -> int:
    from workers.broker import status

    st = status(args.data_dir)
    print(json.dumps(st))
    return 0 if st.get("ready") else 1
