"""Real local Ray (declaring one logical GPU) + a real Kafka-protocol broker (noida-db):

- the Extractor replica is scheduled with num_gpus=1 and batches concurrent calls;
- two Consumer replicas share a 4-partition topic; 2,000 documents in -> 2,000 out, each
  redacted by rules and by the (fake, deterministic) LLM extractor through its handle;
- the custom metrics appear on Ray's metrics endpoint;
- lag autoscaling: rising lag adds a consumer and an extractor replica, which go away when the
  lag clears.

The LLM is a deterministic fake (workers.serve.fakes): this tests the Serve plumbing; the real
vLLM engine is exercised by the LLM suite and the demo.
"""

from __future__ import annotations

import time
import urllib.request
import uuid

import orjson
import pytest

import workers.serve  # noqa: F401 - sets Ray's loopback switch before Ray is imported

pytest.importorskip("ray.serve")

from conftest import GROUP_TIMEOUTS, metric_sum, produce_docs, read_by_id, scrape  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.kafka, pytest.mark.slow]


def stream_config(bootstrap: str, topic: str, group: str, **over) -> dict:
    cfg = {
        "name": over.pop("name", "pii"),
        "device": "gpu",
        "pipeline": {"detectors": ["rules", "llm"], "on_detector_error": "dead_letter"},
        "ingress": {"num_cpus": 0.1},
        "extractor": {
            "enabled": True,
            "factory": "workers.serve.fakes:fake_llm_detector",
            "options": {"delay_s": 0.05},
            "num_gpus": 1,
            "num_cpus": 0.1,
            "max_batch_size": 16,
            "batch_wait_timeout_s": 0.05,
        },
        "consumer": {
            "stream": {
                "bootstrap_servers": bootstrap,
                "input_topic": topic,
                "group_id": group,
                "topic_partitions": 4,
                "batch_max_records": 64,
                "batch_max_wait_ms": 50,
                **GROUP_TIMEOUTS,
            },
            "num_cpus": 0.5,
            "replicas": {"min": 2, "max": 2},
            "lag_refresh_s": 0.5,
        },
    }
    for k, v in over.items():
        cfg[k] = {**cfg.get(k, {}), **v}
    return cfg


def docs(n: int, prefix: str) -> list[dict]:
    return [
        {"id": f"{prefix}-{i}", "text": f"ticket {i}: Agent Smith reset the password of user{i}@example.com"}
        for i in range(n)
    ]


def test_two_consumers_gpu_extractor_2000_docs(kafka_bootstrap, ray_gpu):
    from ray import serve

    from workers.serve.app import build_app
    from workers.serve.config import load_config
    from workers.stream.clients import ensure_topics

    topic = f"serve-in-{uuid.uuid4().hex[:6]}"
    cfg = load_config(stream_config(kafka_bootstrap, topic, f"g-{topic}"))
    ensure_topics(cfg.consumer.stream_settings())
    n = 2000
    produce_docs(kafka_bootstrap, topic, docs(n, "d"))

    serve.run(build_app(cfg), name=cfg.name, route_prefix="/")
    try:
        out = read_by_id(kafka_bootstrap, f"{topic}.redacted", n, timeout_s=300)
        assert len(out) == n, f"only {len(out)} of {n} documents came out"
        for v in out.values():
            assert "Smith" not in v["text"], v  # the LLM path (through the handle) ran
            assert "@example.com" not in v["text"], v  # the rules ran
            assert v["_pii"]["degraded"] is False

        ex = serve.get_deployment_handle("Extractor", cfg.name)
        info = ex.describe.remote().result(timeout_s=30)
        assert info["gpu_ids"] == ["0"]  # scheduled on the declared logical GPU
        assert max(info["batches"]) > 1  # concurrent calls from both consumers were batched

        co = serve.get_deployment_handle("Consumer", cfg.name)
        seen: dict[str, dict] = {}
        for _ in range(40):
            st = co.status.remote().result(timeout_s=30)
            seen[st["replica"]] = st
            if len(seen) == 2:
                break
        assert len(seen) == 2
        assert sum(s["published"] for s in seen.values()) >= n
        assert all(s["assignment"] for s in seen.values()), seen  # partitions spread over both
        parts = sorted(p for s in seen.values() for p in s["assignment"])
        assert parts == [0, 1, 2, 3]

        with urllib.request.urlopen(f"http://127.0.0.1:{ray_gpu.http_port}/healthz", timeout=30) as r:
            health = orjson.loads(r.read())
        assert health["detectors"] == ["rules", "llm"]
        assert health["consumers"]["alive"] is True and health["consumers"]["group"] == f"g-{topic}"

        text = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = scrape(ray_gpu.metrics_url)
            if metric_sum(text, "ray_pii_worker_documents_total", source="stream") >= n:
                break
            time.sleep(2)
        assert metric_sum(text, "ray_pii_worker_documents_total", source="stream") >= n
        assert metric_sum(text, "ray_pii_worker_entities_total", entity_type="PERSON") >= n
        assert "ray_pii_worker_consumer_lag_total_records" in text
        assert metric_sum(text, "ray_pii_worker_batch_size_documents_count", stage="extractor") > 0
    finally:
        serve.delete(cfg.name)


def running(app: str, deployment: str) -> int:
    from ray import serve

    st = serve.status().applications.get(app)
    if st is None or deployment not in st.deployments:
        return 0
    return int(st.deployments[deployment].replica_states.get("RUNNING", 0))


def test_lag_scales_consumers_up_and_back_down(kafka_bootstrap, ray_gpu):
    from ray import serve

    from workers.serve.app import build_app
    from workers.serve.config import load_config
    from workers.stream.clients import ensure_topics

    topic = f"scale-in-{uuid.uuid4().hex[:6]}"
    cfg = load_config(
        stream_config(
            kafka_bootstrap,
            topic,
            f"g-{topic}",
            name="scale",
            # A slow extractor keeps lag up long enough to watch the policies act; half a GPU each
            # so two extractor replicas fit on the one logical GPU.
            extractor={"options": {"delay_s": 0.25}, "num_gpus": 0.5, "replicas": {"min": 1, "max": 2}},
            consumer={"replicas": {"min": 1, "max": 2}},
            autoscaling={
                "target_lag_per_consumer": 200,
                "target_lag_per_extractor": 200,
                "upscale_delay_s": 1,
                "downscale_delay_s": 3,
                "metrics_interval_s": 0.5,
                "look_back_period_s": 2,
            },
        )
    )
    ensure_topics(cfg.consumer.stream_settings())
    serve.run(build_app(cfg), name=cfg.name, route_prefix="/scale")
    try:
        assert running(cfg.name, "Consumer") == 1 and running(cfg.name, "Extractor") == 1
        produce_docs(kafka_bootstrap, topic, docs(1500, "s"))
        deadline = time.monotonic() + 120
        peak = {"Consumer": 1, "Extractor": 1}
        while time.monotonic() < deadline and min(peak.values()) < 2:
            for dep in peak:
                peak[dep] = max(peak[dep], running(cfg.name, dep))
            time.sleep(0.5)
        assert peak == {"Consumer": 2, "Extractor": 2}, f"rising lag did not scale out within 120 s: {peak}"

        out = read_by_id(kafka_bootstrap, f"{topic}.redacted", 1500, timeout_s=300)
        assert len(out) == 1500
        # Extractor lag hints expire after 30 s without calls; allow for that plus the delays.
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and (running(cfg.name, "Consumer"), running(cfg.name, "Extractor")) != (1, 1):
            time.sleep(0.5)
        assert running(cfg.name, "Consumer") == 1, "no consumer scale-down after the lag cleared"
        assert running(cfg.name, "Extractor") == 1, "no extractor scale-down after the lag cleared"
    finally:
        serve.delete(cfg.name)
