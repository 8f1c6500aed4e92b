"""Consumer deployment: each replica runs the streaming loop (workers.stream.StreamWorker) in a
background thread, all replicas in one consumer group, so Kafka spreads the partitions over them.

The loop is used unchanged: the replica gives it the pipeline (rules in-process, NER and LLM
through the Encoder's and the Extractor's handles) wrapped with Ray metrics, and stops it on shutdown (`__del__`, which Serve
calls when it stops a replica): a batch being collected is abandoned uncommitted, a batch being
published finishes its checkpoint, then the consumer leaves the group so its partitions move on.
Delivery guarantees (at-least-once, or exactly-once with transactions) are the loop's own.

Back-pressure: the loop does not poll while its batch is in the pipeline, and the handles wait
for a slow tier rather than time out, so a saturated extractor shows up as consumer lag (which
scales consumers and extractors), not as `degraded` records. The Kafka client must tolerate a
long batch: with a model tier in the pipeline, `max_poll_interval_ms` defaults to 30 minutes
(kafka-python's 5 would make a slow LLM batch cost a rebalance and a re-read).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from ray import serve

from workers.serve.autoscaling import LAG_METRIC, PARTITIONS_METRIC
from workers.serve.config import ServeAppConfig
from workers.serve.lag import LagProbe
from workers.serve.pipelines import MeteredPipeline, build_serve_pipeline, pipeline_settings
from workers.serve.telemetry import ServeMetrics

log = logging.getLogger(__name__)

SLOW_TIER_MAX_POLL_INTERVAL_MS = 30 * 60 * 1000


def _replica_tag() -> str:
    try:
        ctx = serve.get_replica_context()
        return str(ctx.replica_id.unique_id)
    except Exception:  # noqa: BLE001 - outside a replica (tests)
        return f"{socket.gethostname()}-{os.getpid()}"


@serve.deployment
class Consumer:
    def __init__(self, config: ServeAppConfig | dict[str, Any], extractor: Any = None, encoder: Any = None):
        from workers.cpu import configure_threads

        configure_threads()  # this replica's own cores (vLLM binding, onnxruntime threads)
        from workers.stream.clients import ensure_topics
        from workers.stream.config import default_transactional_id
        from workers.stream.worker import StreamWorker

        self.cfg = ServeAppConfig.model_validate(config)
        self.tag = _replica_tag()
        stream = self.cfg.consumer.stream
        over: dict[str, Any] = {}
        if (extractor is not None or encoder is not None) and "max_poll_interval_ms" not in stream.model_fields_set:
            over["max_poll_interval_ms"] = SLOW_TIER_MAX_POLL_INTERVAL_MS
        if stream.exactly_once and not stream.transactional_id:
            # One transactional id per replica (two live producers with one id would fence each
            # other). A replacement replica gets a new id, so a dead replica's open transaction
            # is aborted by the broker after transaction_timeout_ms rather than fenced at once.
            over["transactional_id"] = default_transactional_id(stream.group_id, self.tag)
        self.settings = self.cfg.consumer.stream_settings(**over)
        ps = pipeline_settings(self.cfg)
        key = ps.hash_key()

        self.metrics = ServeMetrics()
        self._lag: list[tuple[int, int]] = []
        self._lag_lock = threading.Lock()
        pipeline = build_serve_pipeline(self.cfg, extractor, lag_hint=self._lag_hint, encoder_handle=encoder)
        if self.settings.create_topics:
            ensure_topics(self.settings)
        self.worker = StreamWorker(
            self.settings,
            MeteredPipeline(pipeline, self.metrics, "stream"),
            hash_key=key,
            include_values=ps.include_values,
        )
        self.error: str | None = None
        self.started = time.time()
        self._stopped = threading.Event()
        self._loop = threading.Thread(target=self._run, name="pii-consumer-loop", daemon=True)
        self._loop.start()
        self._probe = LagProbe(
            self.settings.bootstrap_servers,
            self.settings.group_id,
            self.settings.input_topic,
            client_id=f"pii-worker-lag-{self.tag}",
        )
        self._lag_thread = threading.Thread(target=self._measure_lag, name="pii-consumer-lag", daemon=True)
        self._lag_thread.start()

    # ---- background threads --------------------------------------------------------------

    def _run(self) -> None:
        try:
            self.worker.run()
        except Exception as e:  # noqa: BLE001 - surfaced through check_health -> replica restart
            log.exception("consumer loop failed")
            self.error = f"{type(e).__name__}: {e}"

    def _measure_lag(self) -> None:
        while not self._stopped.wait(self.cfg.consumer.lag_refresh_s):
            try:
                lag = self._probe.measure()
            except Exception as e:  # noqa: BLE001 - broker hiccup: keep the last value
                log.debug("lag probe failed: %s", e)
                continue
            with self._lag_lock:
                self._lag = lag
            self.metrics.set_lag(self.settings.input_topic, lag)

    def _lag_total(self) -> int:
        with self._lag_lock:
            return sum(n for _, n in self._lag)

    def _lag_hint(self) -> tuple[str, float]:
        return (self.tag, float(self._lag_total()))

    # ---- Serve hooks -----------------------------------------------------------------------

    def record_autoscaling_stats(self) -> dict[str, float]:
        with self._lag_lock:
            return {LAG_METRIC: float(sum(n for _, n in self._lag)), PARTITIONS_METRIC: float(len(self._lag))}

    def check_health(self) -> None:
        if self.error is not None:
            raise RuntimeError(f"consumer loop died: {self.error}")
        if not self._loop.is_alive() and not self._stopped.is_set():
            raise RuntimeError("consumer loop exited")

    def status(self) -> dict[str, Any]:
        t = self.worker.totals
        return {
            "replica": self.tag,
            "alive": self._loop.is_alive(),
            "error": self.error,
            "group": self.settings.group_id,
            "input_topic": self.settings.input_topic,
            "assignment": sorted(p for _, p in self.worker.assignment),
            "records": t.records,
            "published": t.published,
            "dead_lettered": t.dead_lettered,
            "batches": self.worker.batches,
            "lag": self._lag_total(),
            "exactly_once": self.settings.exactly_once,
        }

    def __del__(self) -> None:
        self._stopped.set()
        worker = getattr(self, "worker", None)
        if worker is not None:
            worker.stop()
        loop = getattr(self, "_loop", None)
        if loop is not None and loop.is_alive():
            loop.join(timeout=25)
        probe = getattr(self, "_probe", None)
        if probe is not None:
            probe.close()
