"""Every Prometheus metric of the worker, defined once.

Names: `pii_worker_` prefix and a unit suffix (`_total`, `_seconds`, `_records`, `_bytes`).
Labels carry configuration-level values only (topic names, partition numbers, entity type
names from the taxonomy, stage names, exception class names) - never record content.

Detectors count their own work (`workers.detect.base.Counted`: the LLM's requests, mentions,
tokens, routing); `watch_detectors` exposes those counters here, read at scrape time. A Serve
replica publishes the same families through ray.serve.metrics (workers/serve/telemetry.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from workers.detect.base import Counted

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)

RECORDS_CONSUMED = Counter(
    "pii_worker_records_consumed_total", "Input records taken from Kafka into a batch", ["topic"]
)
RECORDS_PUBLISHED = Counter(
    "pii_worker_records_published_total",
    "Records acknowledged by the broker, by output kind (redacted, annotations)",
    ["topic", "kind"],
)
RECORDS_DEAD_LETTERED = Counter(
    "pii_worker_records_dead_lettered_total",
    "Input records sent to the dead-letter topic, by pipeline stage and error class",
    ["stage", "error_class"],
)
RECORDS_DEGRADED = Counter(
    "pii_worker_records_degraded_total", "Records published with degraded=true (a detector was skipped)"
)
ENTITIES = Counter("pii_worker_entities_total", "Entities found, by entity type", ["type"])
BATCH_SIZE = Histogram("pii_worker_batch_size_records", "Input records per processed batch", buckets=_BATCH_BUCKETS)
PROCESSING_LATENCY = Histogram(
    "pii_worker_processing_latency_seconds",
    "Wall time of one batch from decode to committed (pipeline + publish + commit)",
    buckets=_LATENCY_BUCKETS,
)
PIPELINE_LATENCY = Histogram(
    "pii_worker_pipeline_latency_seconds", "Wall time of Pipeline.run for one batch", buckets=_LATENCY_BUCKETS
)
END_TO_END_LATENCY = Histogram(
    "pii_worker_end_to_end_latency_seconds",
    "From the input record's timestamp to the commit of its output",
    buckets=_LATENCY_BUCKETS,
)
CONSUMER_LAG = Gauge(
    "pii_worker_consumer_lag_records",
    "High watermark minus position, per assigned partition",
    ["topic", "partition"],
)
COMMITS = Counter("pii_worker_commits_total", "Successful offset commits (or committed transactions)")
COMMIT_FAILURES = Counter(
    "pii_worker_commit_failures_total",
    "Offset commits or transactions that failed (the batch will be re-read)",
    ["error_class"],
)
TRANSACTIONS_ABORTED = Counter("pii_worker_transactions_aborted_total", "Transactions aborted in exactly-once mode")
REBALANCES = Counter("pii_worker_rebalances_total", "Partition assignments received", ["event"])
INFLIGHT_BYTES = Gauge("pii_worker_inflight_bytes", "Bytes of input held in the current batch (bounded by config)")


class DetectorCounters(Collector):
    """The counters of a pipeline's detectors, read when Prometheus scrapes (they are cumulative,
    as Prometheus counters are; nothing to push after each batch)."""

    def __init__(self, detectors: Iterable[Any]):
        self._detectors: list[Counted] = [d for d in detectors if isinstance(d, Counted)]

    def collect(self) -> Iterator[CounterMetricFamily]:
        values: dict[tuple[str, tuple[str, str] | None], int] = {}
        helps: dict[str, tuple[str, str | None]] = {}
        for det in self._detectors:
            for c, v in det.counters():
                key = (c.name, c.label)
                values[key] = values.get(key, 0) + v  # two detectors of one kind add up
                helps.setdefault(c.name, (c.help, c.label[0] if c.label else None))
        families: dict[str, CounterMetricFamily] = {}
        for (name, label), v in values.items():
            fam = families.get(name)
            if fam is None:
                help_, label_key = helps[name]
                fam = families[name] = CounterMetricFamily(name, help_, labels=[label_key] if label_key else [])
            fam.add_metric([label[1]] if label else [], v)
        yield from families.values()


def watch_detectors(detectors: Sequence[Any], registry: Any = REGISTRY) -> DetectorCounters:
    """Expose the counters of these detectors (those that count) on /metrics."""
    collector = DetectorCounters(detectors)
    registry.register(collector)
    return collector


_server_lock = threading.Lock()
_server_port: int | None = None


def serve(port: int, addr: str = "127.0.0.1") -> int:
    """Expose /metrics on addr:port (once per process). Port 0 picks a free port."""
    global _server_port
    with _server_lock:
        if _server_port is None:
            server, _thread = start_http_server(port, addr=addr)
            _server_port = server.server_address[1]
        return _server_port
