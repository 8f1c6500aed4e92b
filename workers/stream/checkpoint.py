"""The checkpoint owns one batch's outputs and input offsets, and commits them in order.

At-least-once: (1) send every output, (2) flush the producer, (3) verify every delivery
future succeeded, (4) only then commit the input offsets. Any failure before (4) leaves the
offsets where they were, so the batch is read again.

Exactly-once: outputs and offsets go into one transaction: begin, send, then
send_offsets_to_transaction (with the consumer's group metadata, so a stale member is fenced),
then commit_transaction. Any failure aborts the transaction; the caller re-reads the batch.
"""

from __future__ import annotations

import logging
from typing import Any

from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from workers import metrics
from workers.errors import PiiWorkerError

log = logging.getLogger(__name__)


class DeliveryError(PiiWorkerError, RuntimeError):
    """An output was not acknowledged: the batch must not be committed."""


class CommitError(PiiWorkerError, RuntimeError):
    """Outputs were delivered but the offsets (or the transaction) could not be committed."""


class Checkpoint:
    def __init__(self, producer: Any, consumer: Any, *, exactly_once: bool, flush_timeout_s: float = 60.0):
        self.producer = producer
        self.consumer = consumer
        self.exactly_once = exactly_once
        self.flush_timeout_s = flush_timeout_s
        self._futures: list[tuple[str, str, Any]] = []  # (topic, kind, future)
        self._offsets: dict[TopicPartition, int] = {}
        self._open = False

    def begin(self) -> None:
        self._futures.clear()
        self._offsets.clear()
        if self.exactly_once:
            self.producer.begin_transaction()
            self._open = True

    def send(
        self,
        topic: str,
        value: bytes,
        key: bytes | None,
        headers: list[tuple[str, bytes]],
        kind: str,
        partition: int | None = None,
    ) -> None:
        """`headers` is passed on as is (the client only reads it); `partition` None lets the
        producer's partitioner choose."""
        fut = self.producer.send(topic, value=value, key=key, headers=headers or None, partition=partition)
        self._futures.append((topic, kind, fut))

    def mark(self, topic: str, partition: int, offset: int) -> None:
        """Record that input up to and including `offset` is done once this checkpoint commits."""
        tp = TopicPartition(topic, partition)
        if offset + 1 > self._offsets.get(tp, -1):
            self._offsets[tp] = offset + 1

    def offsets(self) -> dict[TopicPartition, OffsetAndMetadata]:
        return {tp: OffsetAndMetadata(off, "", -1) for tp, off in self._offsets.items()}

    def _verify(self) -> dict[tuple[str, str], int]:
        published: dict[tuple[str, str], int] = {}
        for topic, kind, fut in self._futures:
            if not fut.is_done:
                raise DeliveryError(f"output to {topic} not acknowledged after flush")
            if fut.failed():
                raise DeliveryError(f"output to {topic} failed: {fut.exception!r}")
            published[(topic, kind)] = published.get((topic, kind), 0) + 1
        return published

    def commit(self) -> None:
        """Flush, verify, commit. Raises DeliveryError or CommitError; never commits partial output."""
        offsets = self.offsets()
        if self.exactly_once:
            try:
                self.producer.flush(timeout=self.flush_timeout_s)
                published = self._verify()
                if offsets:
                    self.producer.send_offsets_to_transaction(offsets, self.consumer.group_metadata())
                self.producer.commit_transaction()
                self._open = False
            except (KafkaError, DeliveryError) as e:
                metrics.COMMIT_FAILURES.labels(type(e).__name__).inc()
                raise CommitError(f"transaction failed: {type(e).__name__}: {e}") from e
        else:
            try:
                self.producer.flush(timeout=self.flush_timeout_s)
            except KafkaError as e:
                raise DeliveryError(f"flush failed: {type(e).__name__}: {e}") from e
            published = self._verify()
            if offsets:
                try:
                    self.consumer.commit(offsets)
                except KafkaError as e:
                    # Typically the group rebalanced (noida-db rejects the last commit before a
                    # rebalance with IllegalGeneration). The output is out; the next owner re-reads
                    # these records: at-least-once, never loss.
                    metrics.COMMIT_FAILURES.labels(type(e).__name__).inc()
                    raise CommitError(f"offset commit failed: {type(e).__name__}: {e}") from e
        metrics.COMMITS.inc()
        for (topic, kind), n in published.items():
            metrics.RECORDS_PUBLISHED.labels(topic, kind).inc(n)

    def abort(self) -> bool:
        """Abort an open transaction. Returns False if the producer is unusable and must be replaced."""
        self._futures.clear()
        if not (self.exactly_once and self._open):
            return True
        self._open = False
        metrics.TRANSACTIONS_ABORTED.inc()
        try:
            self.producer.abort_transaction()
            return True
        except Exception as e:  # noqa: BLE001 - fenced / fatal: the caller rebuilds the producer
            log.warning("abort_transaction failed (%s: %s); the producer will be replaced", type(e).__name__, e)
            return False
