"""In-memory stand-ins for the Kafka clients and the pipeline, for pure loop-logic tests and
fault injection. Integration tests use real brokers; these only exercise our own decisions."""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from kafka import TopicPartition
from kafka.errors import CommitFailedError, KafkaTimeoutError

from workers.models import Document, Failure, Result, Span
from workers.redact import Redactor
from workers.taxonomy import load_taxonomy

Rec = namedtuple("Rec", "topic partition offset key value headers timestamp")


class FakeFuture:
    def __init__(self) -> None:
        self.is_done = False
        self.exception: Exception | None = None

    def failed(self) -> bool:
        return self.is_done and self.exception is not None


class FakeProducer:
    """Records sends; flush() acknowledges them (or fails those matching `fail_topics`)."""

    def __init__(
        self, fail_topics: set[str] | None = None, fail_commit_txn: int = 0, topic_partitions: int = 3
    ) -> None:
        self.topic_partitions = topic_partitions
        self.partitions: list[tuple[str, bytes | None, int | None]] = []  # (topic, key, partition) per send
        self.pending: list[tuple[str, bytes, bytes | None, list, FakeFuture]] = []
        self.visible: list[tuple[str, bytes, bytes | None, list]] = []  # acknowledged / committed
        self.fail_topics = fail_topics or set()
        self.fail_commit_txn = fail_commit_txn
        self.in_txn = False
        self.txn_offsets: dict | None = None
        self.aborted = 0
        self.committed_txns = 0
        self.closed = False

    def send(
        self,
        topic: str,
        value: bytes,
        key: bytes | None = None,
        headers: list | None = None,
        partition: int | None = None,
    ) -> FakeFuture:
        if partition is not None and partition not in self.partitions_for(topic):
            raise ValueError(f"unknown partition {partition} of {topic}")
        fut = FakeFuture()
        self.pending.append((topic, value, key, headers or [], fut))
        self.partitions.append((topic, key, partition))
        return fut

    def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.topic_partitions))

    def flush(self, timeout: float | None = None) -> None:
        for topic, value, key, headers, fut in self.pending:
            fut.is_done = True
            if topic in self.fail_topics:
                fut.exception = KafkaTimeoutError("injected delivery failure")
            elif not self.in_txn:
                self.visible.append((topic, value, key, headers))
        if not self.in_txn:
            self.pending = []

    # transactions
    def begin_transaction(self) -> None:
        assert not self.in_txn
        self.in_txn = True

    def send_offsets_to_transaction(self, offsets: dict, group_metadata: Any) -> None:
        self.txn_offsets = offsets

    def commit_transaction(self) -> None:
        if self.fail_commit_txn:
            self.fail_commit_txn -= 1
            raise KafkaTimeoutError("injected transaction failure")
        self.flush()
        self.visible.extend((t, v, k, h) for t, v, k, h, f in self.pending if not f.failed())
        self.pending = []
        self.in_txn = False
        self.committed_txns += 1
        self.consumer_commit_hook(self.txn_offsets or {})

    def abort_transaction(self) -> None:
        self.pending = []
        self.in_txn = False
        self.aborted += 1

    def consumer_commit_hook(self, offsets: dict) -> None:  # wired by FakeConsumer
        pass

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class FakeConsumer:
    """One consumer owning every partition of its topic; poll returns records from positions."""

    def __init__(
        self, topic: str, partitions: dict[int, list[tuple[bytes | None, bytes | None]]], fail_commits: int = 0
    ) -> None:
        self.topic = topic
        self.logs = {
            p: [Rec(topic, p, i, k, v, [("h", b"1")], 1000 + i) for i, (k, v) in enumerate(recs)]
            for p, recs in partitions.items()
        }
        self.positions = {p: 0 for p in partitions}
        self.commits: dict[int, int] = {}
        self.fail_commits = fail_commits
        self.listener: Any = None
        self.closed = False
        self.polls = 0
        self.on_poll: Any = None  # hook for tests (e.g. trigger a rebalance, stop the worker)
        self.highwater_unknown = False  # as before the first fetch answer
        self.per_poll: int | None = None  # at most this many records per poll (small fetches)

    def tp(self, p: int) -> TopicPartition:
        return TopicPartition(self.topic, p)

    def subscribe(self, topics: list[str], listener: Any = None) -> None:
        self.listener = listener
        self._pending_assign = True

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict:
        self.polls += 1
        if self.on_poll:
            self.on_poll(self)
        if getattr(self, "_pending_assign", False):
            self._pending_assign = False
            if self.listener:
                self.listener.on_partitions_assigned([self.tp(p) for p in self.logs])
        out: dict = {}
        budget = min(max_records or 500, self.per_poll or 500)
        for p, log in self.logs.items():
            pos = self.positions[p]
            take = log[pos : pos + budget]
            if take:
                out[self.tp(p)] = take
                self.positions[p] = pos + len(take)
                budget -= len(take)
            if budget <= 0:
                break
        return out

    def rebalance(self) -> None:
        """Simulate an eager rebalance that keeps every partition (positions preserved)."""
        if self.listener:
            parts = [self.tp(p) for p in self.logs]
            self.listener.on_partitions_revoked(parts)
            self.listener.on_partitions_assigned(parts)

    def assignment(self) -> set:
        return {self.tp(p) for p in self.logs}

    def committed(self, tp: TopicPartition, timeout_ms: int | None = None) -> int | None:
        return self.commits.get(tp.partition)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp.partition] = offset

    def seek_to_beginning(self, *tps: TopicPartition) -> None:
        for tp in tps:
            self.positions[tp.partition] = 0

    def seek_to_end(self, *tps: TopicPartition) -> None:
        for tp in tps:
            self.positions[tp.partition] = len(self.logs[tp.partition])

    def commit(self, offsets: dict) -> None:
        if self.fail_commits:
            self.fail_commits -= 1
            raise CommitFailedError("injected: group rebalanced (IllegalGeneration)")
        self._apply(offsets)

    def _apply(self, offsets: dict) -> None:
        for tp, om in offsets.items():
            self.commits[tp.partition] = om.offset

    def group_metadata(self) -> str:
        return "group"

    def highwater(self, tp: TopicPartition) -> int | None:
        return None if self.highwater_unknown else len(self.logs[tp.partition])

    def position(self, tp: TopicPartition, timeout_ms: int | None = None) -> int:
        return self.positions[tp.partition]

    def close(self, autocommit: bool = True) -> None:
        self.closed = True

    def done(self) -> bool:
        return all(self.commits.get(p, 0) >= len(log) for p, log in self.logs.items())


SECRET = re.compile(r"SECRET\d+")


class FakePipeline:
    """Finds SECRET<n> tokens. Fault injection: 'FAIL' -> a Failure; 'BOOM' -> the whole run()
    raises (the worker must then isolate records); 'SKIP' -> a Result that claims no detector ran."""

    detector_names = ["fake"]

    class taxonomy:  # noqa: N801 - mimics pipeline.taxonomy.version
        version = "test-1"

    # SECRET is not a taxonomy type: the default operator writes [SECRET], as run() does.
    redactor = Redactor(load_taxonomy())

    def __init__(self) -> None:
        self.calls = 0

    def run(self, docs: Sequence[Document]) -> list[Result | Failure]:
        self.calls += 1
        if any("BOOM" in d.text for d in docs):
            raise RuntimeError("injected batch crash")
        out: list[Result | Failure] = []
        for d in docs:
            if "FAIL" in d.text:
                out.append(Failure(id=d.id, stage="detect", error_class="DetectorError", message="injected"))
                continue
            spans = [
                Span(start=m.start(), end=m.end(), type="SECRET", score=1.0, detector="fake")
                for m in SECRET.finditer(d.text)
            ]
            red = SECRET.sub("[SECRET]", d.text)
            out.append(Result(id=d.id, text=red, entities=spans, detectors=[] if "SKIP" in d.text else ["fake"]))
        return out
