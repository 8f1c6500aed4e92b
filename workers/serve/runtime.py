"""Start/stop a local Ray + Serve on 127.0.0.1 (for `pii-worker serve`, the demo and tests).

Ray's listeners follow the node IP only when RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 is set (Ray 2.60
on these machines otherwise binds eth0): set it before `ray` starts any process.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from typing import Any

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@dataclass
class LocalRay:
    http_port: int
    dashboard_url: str | None
    metrics_url: str | None
    started_s: float


def start_local_ray(
    *,
    address: str | None = None,
    http_port: int | None = None,
    http_host: str = LOOPBACK,
    num_cpus: float | None = None,
    num_gpus: float | None = None,
    dashboard: bool = True,
    metrics_port: int | None = None,
) -> LocalRay:
    """`address=None` starts a fresh local cluster on 127.0.0.1; `"auto"` joins a running one."""
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # inherited by raylet, GCS, workers
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray
    from ray import serve
    from ray._private import ray_constants

    # If Ray was imported before this package, its constant still says "use eth0": correct it for
    # this (driver) process; the processes Ray spawns read the environment afresh.
    ray_constants.ENABLE_RAY_CLUSTER = False

    t0 = time.monotonic()
    dashboard_url = None
    metrics_url = None
    if address is None:
        metrics_port = metrics_port or free_port()
        kw: dict[str, Any] = {
            "address": "local",
            "include_dashboard": dashboard,
            "_node_ip_address": LOOPBACK,
            "_metrics_export_port": metrics_port,
            "log_to_driver": False,
        }
        if dashboard:
            kw["dashboard_host"] = LOOPBACK
            kw["dashboard_port"] = free_port()
        if num_cpus is not None:
            kw["num_cpus"] = num_cpus
        if num_gpus is not None:
            kw["num_gpus"] = num_gpus
        ctx = ray.init(**kw)
        metrics_url = f"http://{LOOPBACK}:{metrics_port}/metrics"
        if dashboard and getattr(ctx, "dashboard_url", None):
            dashboard_url = f"http://{ctx.dashboard_url}"
    else:
        ray.init(address=address, log_to_driver=False)
    port = http_port or free_port()
    serve.start(http_options={"host": http_host, "port": port})
    return LocalRay(
        http_port=port, dashboard_url=dashboard_url, metrics_url=metrics_url, started_s=time.monotonic() - t0
    )


def stop_local_ray() -> None:
    import ray
    from ray import serve

    try:
        serve.shutdown()
    finally:
        ray.shutdown()
