"""Metrics of the Serve application, through `ray.serve.metrics` (prometheus_client metrics inside
replicas are not exported by Ray; these are, on each node's metrics port and in the dashboard).

Ray prefixes every name with `ray_` and counters additionally get `_total`, so
`pii_worker_documents` is scraped as `ray_pii_worker_documents_total`. Serve adds the
`deployment`, `replica` and `application` labels itself. Labels never carry record content:
entity types come from the taxonomy, outcomes and sources from fixed sets below.

Detector counters (`workers.detect.base.Counted`: the LLM's requests, tokens, retries,
hallucinations, routing) are published under the same family names as in a CLI process
(workers/metrics.py), so `pii_worker_llm_tokens_total` there is `ray_pii_worker_llm_tokens_total` here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, cast

from ray.serve import metrics

from workers.detect.base import Counter
from workers.models import Failure, Result

Source = Literal["http", "stream"]
Stage = Literal["extractor", "encoder", "pipeline", "http"]

# The tier a detector belongs to; label values stay bounded whatever a taxonomy names.
TIERS = ("rules", "ner", "llm")

_SIZE_BUCKETS: list[float] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
_LATENCY_BUCKETS: list[float] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]


def _keys(*names: str) -> tuple[str]:
    """Tag keys for a Ray metric (Ray annotates `tag_keys` as a one-element tuple; any length works)."""
    return cast("tuple[str]", names)


class ServeMetrics:
    """One instance per replica (Ray metrics are registered per process; re-creating is cheap)."""

    def __init__(self) -> None:
        self.documents = metrics.Counter(
            "pii_worker_documents",
            description="Documents processed, by source (http|stream) and outcome (ok|degraded|failed).",
            tag_keys=_keys("source", "outcome"),
        )
        self.entities = metrics.Counter(
            "pii_worker_entities",
            description="Entities redacted, by entity type and detector kind (rules|ner|llm).",
            tag_keys=_keys("source", "entity_type", "detector"),
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
            tag_keys=_keys("topic", "partition"),
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

        # Per detector tier (the cascade's view): which tier ran on how many documents, what it
        # found and what it cost, and how much of the stream the LLM tier still sees.
        self.detector_documents = metrics.Counter(
            "pii_worker_detector_documents",
            description="Documents each detector tier ran on (a document the router kept from the "
            "LLM does not count for llm).",
            tag_keys=_keys("source", "detector"),
        )
        self.detector_spans = metrics.Counter(
            "pii_worker_detector_spans",
            description="Spans each detector tier returned, before resolution (encoder hints below "
            "a type's min_score included).",
            tag_keys=_keys("source", "detector"),
        )
        self.detector_latency = metrics.Histogram(
            "pii_worker_detector_latency_seconds",
            description="Wall time of one detect() call per tier, as the caller sees it (queueing "
            "at a deployment included).",
            boundaries=_LATENCY_BUCKETS,
            tag_keys=_keys("source", "detector"),
        )
        self.llm_routed_share = metrics.Gauge(
            "pii_worker_llm_routed_share",
            description="Share of the last batch's documents the LLM tier ran on (0..1).",
            tag_keys=("source",),
        )

        # A detector deployment's own view (Extractor, Encoder replicas): what it answered.
        self.deployment_documents = metrics.Counter(
            "pii_worker_deployment_documents",
            description="Documents a detector deployment answered, by detector tier and outcome "
            "(ran|skipped: the router kept it from the engine|failed).",
            tag_keys=_keys("detector", "outcome"),
        )
        self.deployment_spans = metrics.Counter(
            "pii_worker_deployment_spans",
            description="Spans a detector deployment returned (encoder hints included).",
            tag_keys=("detector",),
        )
        # Detector counter families, created on first sight; the last published cumulative value
        # of each series (Ray counters take increments).
        self._families: dict[str, Any] = {}
        self._published: dict[tuple[str, tuple[str, str] | None], int] = {}

    def observe_answers(self, detector: str, answers: Iterable[Mapping[str, Any]]) -> None:
        """Outcomes of one batch of a detector deployment (answers as sent to callers)."""
        outcomes: dict[str, int] = {}
        spans = 0
        for a in answers:
            outcome = "failed" if "error" in a else "skipped" if a.get("skipped") else "ran"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            spans += len(a.get("spans", ()))
        kind = detector_kind(detector)
        for outcome, n in outcomes.items():
            self.deployment_documents.inc(n, tags={"detector": kind, "outcome": outcome})
        if spans > 0:  # Ray's Counter.inc rejects 0 (ValueError)
            self.deployment_spans.inc(spans, tags={"detector": kind})

    def publish_counters(self, samples: Iterable[tuple[Counter, int]]) -> None:
        """A detector's cumulative counters (`Counted.counters()`): publish what grew since the
        last call. One detector per replica, so a series is identified by family and label."""
        for c, value in samples:
            key = (c.name, c.label)
            delta = value - self._published.get(key, 0)
            if delta <= 0:  # unchanged (Ray rejects inc(0)); counters never go down
                continue
            family = self._families.get(c.name)
            if family is None:
                family = metrics.Counter(c.name, description=c.help, tag_keys=(c.label[0],) if c.label else None)
                self._families[c.name] = family
            family.inc(delta, tags=dict([c.label]) if c.label else {})
            self._published[key] = value

    def observe_detector(self, source: Source, detector: str, spans: int, seconds: float) -> None:
        tags = {"source": source, "detector": detector_kind(detector)}
        if spans > 0:  # Ray's Counter.inc rejects 0 (ValueError)
            self.detector_spans.inc(spans, tags=tags)
        self.detector_latency.observe(seconds, tags=tags)

    def observe_batch(self, stage: Stage, size: int, seconds: float) -> None:
        tags: dict[str, str] = {"stage": stage}
        self.batch_size.observe(size, tags=tags)
        self.latency.observe(seconds, tags=tags)

    def observe_results(
        self, source: Source, results: Iterable[Result | Failure], llm_configured: bool = False
    ) -> None:
        outcomes: dict[str, int] = {}
        entities: dict[tuple[str, str], int] = {}
        tiers: dict[str, int] = {}
        total = 0
        for r in results:
            total += 1
            if isinstance(r, Failure):
                outcomes["failed"] = outcomes.get("failed", 0) + 1
                continue
            key = "degraded" if r.degraded else "ok"
            outcomes[key] = outcomes.get(key, 0) + 1
            for tier in {detector_kind(d) for d in r.detectors}:
                tiers[tier] = tiers.get(tier, 0) + 1
            for s in r.entities:
                k = (s.type, detector_kind(s.detector))
                entities[k] = entities.get(k, 0) + 1
        for outcome, n in outcomes.items():
            self.documents.inc(n, tags={"source": source, "outcome": outcome})
        for (etype, det), n in entities.items():
            self.entities.inc(n, tags={"source": source, "entity_type": etype, "detector": det})
        for tier, n in tiers.items():
            self.detector_documents.inc(n, tags={"source": source, "detector": tier})
        if llm_configured and total:
            self.llm_routed_share.set(tiers.get("llm", 0) / total, tags={"source": source})

    def set_lag(self, topic: str, per_partition: Sequence[tuple[int, int]]) -> None:
        total = 0
        for partition, lag in per_partition:
            total += lag
            self.lag.set(lag, tags={"topic": topic, "partition": str(partition)})
        self.lag_total.set(total, tags={"topic": topic})


def detector_kind(detector: str) -> str:
    """`rules:email` -> `rules`: bounded label values, whatever recognizer names a taxonomy adds."""
    return detector.split(":", 1)[0] or "unknown"
