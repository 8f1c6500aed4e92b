"""Metrics of the Serve application, through `ray.serve.metrics` (prometheus_client metrics inside
replicas are not exported by Ray; these are, on each node's metrics port and in the dashboard).

Ray prefixes every name with `ray_` and counters additionally get `_total`, so
`pii_worker_documents` is scraped as `ray_pii_worker_documents_total`. Serve adds the
`deployment`, `replica` and `application` labels itself. Labels never carry record content:
entity types come from the taxonomy, outcomes and sources from fixed sets below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from ray.serve import metrics

from workers.models import Failure, Result

Source = Literal["http", "stream"]
Stage = Literal["extractor", "pipeline", "http"]

_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
_LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]


class ServeMetrics:
    """One instance per replica (Ray metrics are registered per process; re-creating is cheap)."""

    def __init__(self) -> None:
        self.documents = metrics.Counter(
            "pii_worker_documents",
            description="Documents processed, by source (http|stream) and outcome (ok|degraded|failed).",
            tag_keys=("source", "outcome"),
        )
        self.entities = metrics.Counter(
            "pii_worker_entities",
            description="Entities redacted, by entity type and detector kind (rules|llm).",
            tag_keys=("source", "entity_type", "detector"),
        )
        self.batch_size = metrics.Histogram(
            "pii_worker_batch_size_documents",
            description="Documents per batch at each stage (extractor = one @serve.batch call).",
            boundaries=_SIZE_BUCKETS,
            tag_keys=("stage",),
        )
        self.latency = metrics.Histogram(
            "pii_worker_latency_seconds",
            description="Wall time of one batch at each stage.",
            boundaries=_LATENCY_BUCKETS,
            tag_keys=("stage",),
        )
        self.lag = metrics.Gauge(
            "pii_worker_consumer_lag_records",
            description="Records between the group's committed offset and the log end, per partition.",
            tag_keys=("topic", "partition"),
        )
        self.lag_total = metrics.Gauge(
            "pii_worker_consumer_lag_total_records",
            description="Consumer-group lag summed over the input topic's partitions.",
            tag_keys=("topic",),
        )
        self.extractor_errors = metrics.Counter(
            "pii_worker_extractor_errors",
            description="Extractor requests that failed, by error class.",
            tag_keys=("error_class",),
        )

    def observe_batch(self, stage: Stage, size: int, seconds: float) -> None:
        tags = {"stage": stage}
        self.batch_size.observe(size, tags=tags)
        self.latency.observe(seconds, tags=tags)

    def observe_results(self, source: Source, results: Iterable[Result | Failure]) -> None:
        outcomes: dict[str, int] = {}
        entities: dict[tuple[str, str], int] = {}
        for r in results:
            if isinstance(r, Failure):
                outcomes["failed"] = outcomes.get("failed", 0) + 1
                continue
            key = "degraded" if r.degraded else "ok"
            outcomes[key] = outcomes.get(key, 0) + 1
            for s in r.entities:
                k = (s.type, detector_kind(s.detector))
                entities[k] = entities.get(k, 0) + 1
        for outcome, n in outcomes.items():
            self.documents.inc(n, tags={"source": source, "outcome": outcome})
        for (etype, det), n in entities.items():
            self.entities.inc(n, tags={"source": source, "entity_type": etype, "detector": det})

    def set_lag(self, topic: str, per_partition: Sequence[tuple[int, int]]) -> None:
        total = 0
        for partition, lag in per_partition:
            total += lag
            self.lag.set(lag, tags={"topic": topic, "partition": str(partition)})
        self.lag_total.set(total, tags={"topic": topic})


def detector_kind(detector: str) -> str:
    """`rules:email` -> `rules`: bounded label values, whatever recognizer names a taxonomy adds."""
    return detector.split(":", 1)[0] or "unknown"
