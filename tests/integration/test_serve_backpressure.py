"""Real local Ray + a real Kafka-protocol broker (noida-db): the whole cascade as deployments
(rules in the consumer, the Encoder and the Extractor behind handles, both deterministic fakes).

A saturated extractor (slow fake, small batches) makes the stream lag; it does not turn into
timeouts and `degraded` records, even with the degraded policy switched on: each request's
timeout counts from when the extractor starts it, and the consumer waits (fetching nothing new)
while its calls are pending. The encoder runs on a fraction of the (logical) GPU.
"""

from __future__ import annotations

import time
import uuid

import pytest

import workers.serve  # noqa: F401 - sets Ray's loopback switch before Ray is imported

pytest.importorskip("ray.serve")

from conftest import GROUP_TIMEOUTS, metric_sum, produce_docs, read_by_id, scrape  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.kafka, pytest.mark.slow]


def test_saturated_extractor_causes_lag_not_degraded_records(kafka_bootstrap, ray_gpu):
    from ray import serve

    from workers.serve.app import build_app
    from workers.serve.config import load_config
    from workers.stream.clients import ensure_topics

    topic = f"bp-in-{uuid.uuid4().hex[:6]}"
    timeout_s = 3.0
    cfg = load_config(
        {
            "name": "bp",
            "device": "gpu",
            # The user asked for `degraded` on detector errors: a saturated tier must still not
            # produce any, because waiting is not an error.
            "pipeline": {"detectors": ["rules", "ner", "llm"], "on_detector_error": "degraded"},
            "ingress": {"num_cpus": 0.1},
            "encoder": {
                "enabled": True,
                "factory": "workers.serve.fakes:fake_ner_detector",
                "num_gpus": 0.25,
                "num_cpus": 0.1,
                "max_batch_size": 32,
            },
            "extractor": {
                "enabled": True,
                "factory": "workers.serve.fakes:fake_llm_detector",
                # 1 s per batch of 2: a consumer batch of 16 queues 8 s at the extractor, over twice
                # the timeout, while no single engine call comes near it.
                "options": {"delay_s": 1.0},
                "max_batch_size": 2,
                "batch_wait_timeout_s": 0.0,
                "request_timeout_s": timeout_s,
                "num_gpus": 0.5,
                "num_cpus": 0.1,
                "max_in_flight": 16,
            },
            "consumer": {
                "stream": {
                    "bootstrap_servers": kafka_bootstrap,
                    "input_topic": topic,
                    "group_id": f"g-{topic}",
                    "topic_partitions": 2,
                    "batch_max_records": 16,
                    "batch_max_wait_ms": 50,
                    **GROUP_TIMEOUTS,
                },
                "num_cpus": 0.5,
                "replicas": {"min": 1, "max": 1},
                "lag_refresh_s": 0.5,
            },
        }
    )
    ss = cfg.consumer.stream_settings()
    ensure_topics(ss)
    n = 48
    docs = [
        {"id": f"bp-{i}", "text": f"ticket {i}: Agent Smith called Mr. Jones at jones{i}@example.com"} for i in range(n)
    ]
    serve.run(build_app(cfg), name=cfg.name, route_prefix="/bp")
    try:
        produce_docs(kafka_bootstrap, topic, docs)

        co = serve.get_deployment_handle("Consumer", cfg.name)
        peak_lag = 0
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            st = co.status.remote().result(timeout_s=30)
            peak_lag = max(peak_lag, st["lag"])
            if st["published"] + st["dead_lettered"] >= n:
                break
            time.sleep(0.5)
        out = read_by_id(kafka_bootstrap, ss.output_topic, n, timeout_s=60)
        dead = read_by_id(kafka_bootstrap, ss.dlq_topic, 1, timeout_s=3)

        assert len(out) == n, f"only {len(out)} of {n} came out"
        assert not dead, f"dead-lettered: {list(dead)[:3]}"
        degraded = [k for k, v in out.items() if v["_pii"]["degraded"]]
        assert not degraded, f"{len(degraded)} degraded records under a merely slow extractor"
        for v in out.values():
            assert "Smith" not in v["text"] and "Jones" not in v["text"] and "@example.com" not in v["text"], v
            assert v["_pii"]["detectors"] == ["rules", "ner", "llm"]
        assert peak_lag > 0, "the slow extractor should have shown up as consumer lag"

        enc = serve.get_deployment_handle("Encoder", cfg.name).describe.remote().result(timeout_s=30)
        assert enc["gpu_ids"] == ["0"] and enc["entity_types"] == ["PERSON"]  # a GPU fraction

        text = scrape(ray_gpu.metrics_url)
        deadline = time.monotonic() + 60
        while (
            metric_sum(text, "ray_pii_worker_detector_documents_total", detector="ner") < n
            and time.monotonic() < deadline
        ):
            time.sleep(2)
            text = scrape(ray_gpu.metrics_url)
        for tier in ("rules", "ner", "llm"):
            assert metric_sum(text, "ray_pii_worker_detector_documents_total", detector=tier) >= n, tier
            assert metric_sum(text, "ray_pii_worker_detector_latency_seconds_count", detector=tier) > 0, tier
        assert metric_sum(text, "ray_pii_worker_documents_total", outcome="degraded") == 0
        # The deployments' own view: what each answered, and the LLM detector's counters.
        deadline = time.monotonic() + 60
        while metric_sum(text, "ray_pii_worker_llm_routed_docs_total", route="llm") < n and time.monotonic() < deadline:
            time.sleep(2)
            text = scrape(ray_gpu.metrics_url)
        assert metric_sum(text, "ray_pii_worker_llm_routed_docs_total", route="llm") >= n
        assert metric_sum(text, "ray_pii_worker_deployment_documents_total", detector="ner", outcome="ran") >= n
        assert metric_sum(text, "ray_pii_worker_deployment_documents_total", detector="llm", outcome="ran") >= n
        assert metric_sum(text, "ray_pii_worker_deployment_documents_total", outcome="failed") == 0
        assert metric_sum(text, "ray_pii_worker_deployment_spans_total", detector="ner") >= n
        assert metric_sum(text, "ray_pii_worker_batch_size_documents_count", stage="encoder") > 0
    finally:
        serve.delete(cfg.name)
