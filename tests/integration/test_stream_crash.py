"""Crash test: `pii-worker run` is kill -9'ed at random moments while it processes 10,000
documents on a 4-partition topic, and restarted each time.

At-least-once: every input id has >= 1 redacted record. Exactly-once: a read_committed reader
sees exactly one redacted and one annotations record per id (noida-db; Tansu does not isolate
transactions, see below). In both modes no gold PII value of a rules-owned type is in any output.
"""

from __future__ import annotations

import random
import time
from collections import Counter

import orjson
import pytest
from conftest import Kafka, doc_records, gold_by_id, leaks

from workers.loggen import generate

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

N_DOCS = 10_000
PARTITIONS = 4
KILLS = 3


@pytest.fixture(scope="module")
def corpus():
    return generate(N_DOCS, seed=11)


def _wait_output(kafka: Kafka, topic: str, target: int, worker, timeout_s: float = 180.0) -> None:
    """Poll the topic's end offsets until they reach `target` records."""
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(bootstrap_servers=kafka.bootstrap, group_id=None)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            parts = c.partitions_for_topic(topic)
            if parts:
                if sum(c.end_offsets([TopicPartition(topic, p) for p in parts]).values()) >= target:
                    return
            if worker.proc.poll() is not None:
                break
            time.sleep(0.02)
    finally:
        c.close()
    raise AssertionError(f"output of {topic} never reached {target} records:\n{worker.log()}")


@pytest.mark.parametrize("mode", ["at-least-once", "exactly-once"])
def test_kill9_and_restart(kafka: Kafka, corpus, mode: str) -> None:
    exactly_once = mode == "exactly-once"
    if exactly_once:
        kafka.skip_exactly_once_on_tansu()
    rng = random.Random(f"{kafka.broker.kind}-{mode}")
    topic = kafka.unique("crash")
    kafka.create_topic(topic, PARTITIONS)
    kafka.produce(topic, doc_records(corpus))
    group = kafka.unique("g")
    args = [
        "--input-topic",
        topic,
        "--group-id",
        group,
        "--topic-partitions",
        str(PARTITIONS),
        "--batch-max-records",
        "200",
        # Static membership: each restart takes the partitions back at once (noida-db never
        # expires a crashed dynamic member; Tansu would after the session timeout).
        "--group-instance-id",
        "crash-worker-0",
    ]
    if exactly_once:
        # Stable across restarts: the new incarnation fences the killed one and aborts its transaction.
        args += ["--exactly-once", "--transactional-id", f"{topic}-tx"]

    progress = []
    for i in range(KILLS):
        w = kafka.start_worker(*args, name=f"crash{i}")
        assert w.wait_for_log("partitions assigned: [", timeout_s=90), w.log()
        # A random moment mid-stream: when the output reaches a random point of the i-th slice of
        # the run (a fixed sleep is a race: on a quiet machine the whole stream can finish in it).
        target = int(N_DOCS * rng.uniform((i + 0.2) / (KILLS + 1), (i + 0.8) / (KILLS + 1)))
        _wait_output(kafka, f"{topic}.redacted", target, w)
        assert w.proc.poll() is None, f"worker died on its own:\n{w.log()}"
        w.kill9()
        assert w.proc.returncode == -9
        progress.append(kafka.end_total(f"{topic}.redacted"))

    final = kafka.start_worker(*args, name="final")
    assert final.wait_for_log("partitions assigned: [", timeout_s=90), final.log()
    ids = {d.id for d in corpus}
    # Done = every input offset committed by the group (in exactly-once mode: in a transaction).
    kafka.wait_committed(group, topic, timeout_s=300)
    assert final.proc.poll() is None
    assert final.terminate() == 0, final.log()

    # The kills interrupted real work: every one came before the stream was done.
    assert all(p < N_DOCS for p in progress), progress

    redacted = kafka.read_all(f"{topic}.redacted", read_committed=True)
    annotations = kafka.read_all(f"{topic}.annotations", read_committed=True)
    dlq = kafka.read_all(f"{topic}.dlq", read_committed=True)
    counts = Counter(orjson.loads(r.value)["id"] for r in redacted)
    ann_counts = Counter(orjson.loads(r.value)["id"] for r in annotations)

    if set(counts) != ids:
        missing = ids - set(counts)
        raw = {orjson.loads(r.value)["id"] for r in kafka.read_all(f"{topic}.redacted")}
        pytest.fail(
            f"{len(missing)} ids missing for a {'read_committed ' if exactly_once else ''}reader; "
            f"{len(missing & raw)} of them are in the topic for a read_uncommitted reader"
        )
    assert set(ann_counts) == ids
    assert dlq == [], "no input of this corpus is invalid"

    gold = gold_by_id(corpus)
    assert sum(map(len, gold.values())) > 10_000  # the check below has plenty to find
    assert leaks(redacted, gold) == []
    assert leaks(annotations, gold) == []

    # Keys and headers survive, and the metadata names the source record.
    sample = redacted[0]
    body = orjson.loads(sample.value)
    assert sample.key == body["id"].encode()
    assert ("trace-id", body["id"].encode()) in sample.headers
    assert body["_pii"]["source"]["topic"] == topic and body["_pii"]["detectors"] == ["rules"]

    if not exactly_once:
        return
    dup = {k: v for k, v in counts.items() if v != 1}
    assert dup == {}, f"{len(dup)} ids seen more than once by a read_committed reader"
    assert all(v == 1 for v in ann_counts.values())
