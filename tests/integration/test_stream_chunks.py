"""On a real broker: the first chunk of a batch is readable downstream while the rest of the batch
is still being scanned, and the batch's offsets are committed only after all of it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import orjson
from conftest import GROUP_TIMEOUTS, Kafka

from workers.models import Document, Failure, Result
from workers.redact import Redactor
from workers.stream.clients import ensure_topics
from workers.stream.config import StreamSettings
from workers.stream.worker import StreamWorker
from workers.taxonomy import load_taxonomy

CHUNK = 5
BATCH = 20


class Probe:
    """Finds nothing. On its second call (the batch's second chunk) it waits until a reader of the
    redacted topic has seen every record of the first chunk, and notes what the group had
    committed by then."""

    detector_names = ["probe"]
    redactor = Redactor(load_taxonomy())

    def __init__(self, kafka: Kafka, s: StreamSettings) -> None:
        self.kafka, self.s = kafka, s
        self.calls = 0
        self.first: list[str] = []
        self.seen_first: set[str] = set()
        self.committed_then: list[int | None] = []

    def run(self, docs: Sequence[Document]) -> list[Result | Failure]:
        self.calls += 1
        if self.calls == 1:
            self.first = [d.id for d in docs]
        elif self.calls == 2:
            self._watch()
        return [Result(id=d.id, text=d.text, entities=[], detectors=["probe"]) for d in docs]

    def _watch(self, timeout_s: float = 30.0) -> None:
        from kafka import KafkaConsumer, TopicPartition

        reader = KafkaConsumer(
            bootstrap_servers=self.kafka.bootstrap, group_id=None, auto_offset_reset="earliest", fetch_max_wait_ms=50
        )
        group = KafkaConsumer(bootstrap_servers=self.kafka.bootstrap, group_id=self.s.group_id)
        try:
            reader.subscribe([self.s.output_topic])
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline and not set(self.first) <= self.seen_first:
                for msgs in reader.poll(timeout_ms=200).values():
                    self.seen_first.update(orjson.loads(m.value)["id"] for m in msgs)
            self.committed_then.append(group.committed(TopicPartition(self.s.input_topic, 0)))
        finally:
            reader.close()
            group.close(autocommit=False)


def test_first_chunk_is_readable_before_the_batch_commits(kafka: Kafka) -> None:
    topic = kafka.unique("chunks")
    kafka.create_topic(topic, 1)
    records: list[tuple[bytes | None, bytes, Any]] = [
        (f"k{i}".encode(), orjson.dumps({"id": f"d{i}", "text": f"line {i}"}), None) for i in range(BATCH)
    ]
    kafka.produce(topic, records)
    s = StreamSettings.load(
        bootstrap_servers=kafka.bootstrap,
        input_topic=topic,
        group_id=kafka.unique("g"),
        batch_max_records=BATCH,
        batch_chunk_records=CHUNK,
        batch_max_wait_ms=60_000,
        batch_wait_for_full=True,  # one batch of all 20 records
        topic_partitions=1,
        **GROUP_TIMEOUTS,
    )
    ensure_topics(s)
    probe = Probe(kafka, s)
    w = StreamWorker(s, probe, hash_key=b"integration-key")
    t = threading.Thread(target=w.run, daemon=True)
    t.start()
    try:
        kafka.wait_committed(s.group_id, topic, timeout_s=120)
    finally:
        w.stop()
        t.join(timeout=60)
    assert probe.first == [f"d{i}" for i in range(CHUNK)]
    assert probe.seen_first == set(probe.first)  # out before the second chunk was scanned
    assert probe.committed_then == [None]  # ... while nothing of the batch was committed
    assert probe.calls == BATCH // CHUNK and w.batches == 1
    out = [orjson.loads(m.value)["id"] for m in kafka.read_all(s.output_topic)]
    assert sorted(out) == sorted(f"d{i}" for i in range(BATCH))
