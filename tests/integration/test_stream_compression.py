"""Producers compress their batches (Java clients are often set to lz4, zstd or snappy): the worker
reads every codec Kafka has, instead of failing on the first compressed batch it fetches, and
compresses its own outputs with it when told to (--producer-compression)."""

from __future__ import annotations

import orjson
import pytest
from conftest import Kafka

pytestmark = [pytest.mark.kafka]


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compressed_input_batches_are_read_and_redacted(kafka: Kafka, codec: str) -> None:
    topic, group = kafka.unique(f"z-{codec}"), kafka.unique("g")
    kafka.create_topic(topic, 2)
    docs = [{"id": f"d{i}", "text": f"login from user{i}@example.com ok"} for i in range(40)]
    kafka.produce(topic, [(d["id"].encode(), orjson.dumps(d), None) for d in docs], compression=codec)
    w = kafka.start_worker(
        "--input-topic", topic, "--group-id", group, "--topic-partitions", "2", "--producer-compression", codec
    )
    kafka.wait_committed(group, topic, timeout_s=180)
    assert w.terminate() == 0, w.log()
    got = {r["id"]: r for r in (orjson.loads(x.value) for x in kafka.read_all(f"{topic}.redacted"))}
    assert sorted(got) == sorted(d["id"] for d in docs)
    assert all(r["text"] == "login from [EMAIL_ADDRESS] ok" for r in got.values())
    assert kafka.read_all(f"{topic}.dlq") == []
