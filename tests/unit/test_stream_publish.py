"""A batch detected and sent a chunk at a time (workers.stream.publish), committed once."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.errors import KafkaTimeoutError
from stream_fakes import FakeConsumer, FakePipeline, FakeProducer

from workers.models import Document, Failure, Result
from workers.stream.config import StreamSettings
from workers.stream.ingest import Inbound
from workers.stream.worker import StreamWorker


def docs(n: int) -> list[tuple[bytes, bytes]]:
    return [(f"k{i}".encode(), orjson.dumps({"id": f"d{i}", "text": f"id {i} has SECRET{i}"})) for i in range(n)]


class Watching(FakePipeline):
    """Notes, at each pipeline call, how many outputs the batch had handed to the producer and
    what the consumer had committed: what a reader could see while the rest is being scanned."""

    def __init__(self, producer: FakeProducer, consumer: FakeConsumer) -> None:
        super().__init__()
        self.producer, self.consumer = producer, consumer
        self.seen: list[tuple[int, int, dict[int, int]]] = []  # (docs in call, sends so far, commits)

    def run(self, docs: Sequence[Document]) -> list[Result | Failure]:
        sent = len(self.producer.pending) + len(self.producer.visible)
        self.seen.append((len(docs), sent, dict(self.consumer.commits)))
        return super().run(docs)


class FailingSend(FakeProducer):
    """send() raises (as kafka-python does when its buffer stays full) on the given call numbers."""

    def __init__(self, fail_on: set[int]) -> None:
        super().__init__()
        self.fail_on = fail_on
        self.sends = 0

    def send(self, topic, value, key=None, headers=None, partition=None):  # noqa: ANN001, ANN201
        self.sends += 1
        if self.sends in self.fail_on:
            raise KafkaTimeoutError("injected: buffer full")
        return super().send(topic, value, key, headers, partition)


def make(consumer: FakeConsumer, producer: FakeProducer, **kw) -> StreamWorker:
    s = StreamSettings.load(input_topic="in", batch_max_wait_ms=0, commit_retry_backoff_ms=0, **kw)
    if s.exactly_once:
        producer.consumer_commit_hook = consumer._apply
    return StreamWorker(
        s,
        Watching(producer, consumer),
        hash_key=b"k",
        consumer_factory=lambda _s: consumer,
        producer_factory=lambda _s: producer,
    )


def run_until_done(worker: StreamWorker, consumer: FakeConsumer) -> None:
    def hook(c: FakeConsumer) -> None:
        if c.done() or c.polls > 100:
            worker.stop()

    consumer.on_poll = hook
    worker.run()


@pytest.mark.parametrize(
    ("n", "batch", "chunk", "exactly_once", "calls"),
    [
        # at-least-once: one pipeline call per chunk; each chunk's two outputs per record are with
        # the producer before the next chunk is scanned, and nothing is committed until the batch is
        (10, 10, 4, False, [(4, 0, {}), (4, 8, {}), (2, 16, {})]),
        (10, 10, 10, False, [(10, 0, {})]),
        (10, 10, 64, False, [(10, 0, {})]),
        (12, 6, 4, False, [(4, 0, {}), (2, 8, {}), (4, 12, {0: 6}), (2, 20, {0: 6})]),
        (7, 10, 1, False, [(1, 2 * i, {}) for i in range(7)]),
        # exactly-once: the whole batch in one call, before its transaction begins
        (10, 10, 4, True, [(10, 0, {})]),
        (12, 6, 4, True, [(6, 0, {}), (6, 12, {0: 6})]),
    ],
)
def test_a_batch_is_sent_a_chunk_at_a_time_and_committed_once(n, batch, chunk, exactly_once, calls):
    c = FakeConsumer("in", {0: docs(n)})
    p = FakeProducer()
    w = make(c, p, batch_max_records=batch, batch_chunk_records=chunk, exactly_once=exactly_once)
    run_until_done(w, c)
    assert w.pipeline.seen == calls  # type: ignore[attr-defined]
    assert c.commits == {0: n}
    ids = [orjson.loads(v)["id"] for t, v, _, _ in p.visible if t == "in.redacted"]
    assert ids == [f"d{i}" for i in range(n)]


def test_a_send_failing_in_a_later_chunk_rereads_the_whole_batch():
    # Batch of 10 in chunks of 4: the 11th send is the redacted output of the batch's 6th record
    # (second chunk). The first chunk's outputs were already handed over: duplicates, never loss.
    c = FakeConsumer("in", {0: docs(10)})
    p = FailingSend(fail_on={11})
    w = make(c, p, batch_max_records=10, batch_chunk_records=4)
    commits_at_failure: list[dict[int, int]] = []
    orig = w._after_failed_checkpoint

    def failed(cp, e):  # noqa: ANN001, ANN202
        commits_at_failure.append(dict(c.commits))
        orig(cp, e)

    w._after_failed_checkpoint = failed  # type: ignore[method-assign]
    run_until_done(w, c)
    assert commits_at_failure == [{}]  # nothing of the batch committed when it failed
    ids = [orjson.loads(v)["id"] for t, v, _, _ in p.visible if t == "in.redacted"]
    assert set(ids) == {f"d{i}" for i in range(10)}
    # the first chunk and the second chunk's first record went out twice; the rest once
    assert sorted(ids) == sorted([f"d{i}" for i in range(10)] + [f"d{i}" for i in range(5)])
    assert c.commits == {0: 10}
    # the re-read batch started again at its first record, in chunks
    assert [k for k, _, _ in w.pipeline.seen] == [4, 4, 4, 4, 2]  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    chunk=st.integers(1, 50),
    exactly_once=st.booleans(),
    poison=st.sets(st.integers(0, 39), max_size=5),
)
def test_chunking_never_changes_what_one_batch_publishes(n, chunk, exactly_once, poison):
    """Whatever the chunk size: every record of the batch gives its outputs (or its dead letter)
    once, in input order, and the offsets are committed once, to the end of the batch."""
    value = orjson.dumps({"id": "x", "text": "FAIL"})
    recs = [
        Inbound("in", 0, i, k, value if i in poison else v, [("h", b"1")], 1000 + i) for i, (k, v) in enumerate(docs(n))
    ]
    c = FakeConsumer("in", {0: []})
    p = FakeProducer()
    w = make(c, p, batch_max_records=max(n, 1), batch_chunk_records=chunk, exactly_once=exactly_once)
    w.consumer, w.producer = c, p
    report = w.process(recs)
    assert report.records == n and report.published + report.dead_lettered == n
    want = [f"d{i}" for i in range(n) if i not in poison]
    assert [orjson.loads(v)["id"] for t, v, _, _ in p.visible if t == "in.redacted"] == want
    assert [orjson.loads(v)["id"] for t, v, _, _ in p.visible if t == "in.annotations"] == want
    assert len([t for t, *_ in p.visible if t == "in.dlq"]) == len([i for i in poison if i < n])
    expected_calls = 1 if exactly_once else -(-n // chunk)
    assert len(w.pipeline.seen) == expected_calls  # type: ignore[attr-defined]
    assert c.commits == {0: n}
