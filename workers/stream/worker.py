"""The consumer-group loop: poll -> batch -> decode -> pipeline -> publish -> checkpoint.

One batch is in flight at a time and the loop does not poll while it processes, so memory is
bounded by the batch limits (records, bytes) plus one client fetch: the worker stops polling
rather than buffering. Rebalance callbacks only raise a flag (they run on the client's IO loop
and must not block); the loop then drops what it had collected and seeks every assigned
partition back to its committed offset, so whatever was not committed is read again.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import ConsumerRebalanceListener, TopicPartition
from kafka.errors import KafkaError

from workers import metrics
from workers.stream.checkpoint import Checkpoint, CommitError, DeliveryError
from workers.stream.clients import make_consumer, make_producer
from workers.stream.config import StreamSettings
from workers.stream.ingest import Inbound
from workers.stream.interfaces import BatchReport, PipelineLike, install_stop_handlers
from workers.stream.publish import Publisher, Tally

log = logging.getLogger(__name__)


class _Listener(ConsumerRebalanceListener):
    def __init__(self, worker: StreamWorker):
        self.worker = worker

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.worker._on_revoked(list(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.worker._on_assigned(list(assigned))


class StreamWorker:
    def __init__(
        self,
        settings: StreamSettings,
        pipeline: PipelineLike,
        *,
        hash_key: bytes,
        include_values: bool = False,
        taxonomy_version: str | None = None,
        consumer_factory: Callable[[StreamSettings], Any] = make_consumer,
        producer_factory: Callable[[StreamSettings], Any] = make_producer,
        stop_event: threading.Event | None = None,
    ):
        self.s = settings
        self.pipeline = pipeline
        self.hash_key = hash_key
        self.include_values = include_values
        if taxonomy_version is None:
            taxonomy = getattr(pipeline, "taxonomy", None)
            taxonomy_version = str(getattr(taxonomy, "version", "")) or None
        self.taxonomy_version = taxonomy_version
        self._consumer_factory = consumer_factory
        self._producer_factory = producer_factory
        self._stop = stop_event or threading.Event()
        self._reset_needed = False
        # Set by a revocation: the batch being collected is dropped. Positions are reset only once
        # the new assignment arrives: until then the client still lists the old partitions, and
        # asking the coordinator for their committed offsets mid-rebalance can block the rejoin.
        self._batch_void = False
        self._assignment: set[tuple[str, int]] = set()
        self._lock = threading.Lock()
        self.consumer: Any = None
        self.producer: Any = None
        self.totals = BatchReport()
        self.batches = 0

    # ---- lifecycle -------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to stop: a batch being collected is abandoned (not committed); a batch
        being published finishes its checkpoint first."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def assignment(self) -> set[tuple[str, int]]:
        with self._lock:
            return set(self._assignment)

    def install_signal_handlers(self) -> None:
        install_stop_handlers(self._stop)

    def run(self) -> BatchReport:
        self.consumer = self._consumer_factory(self.s)
        self.producer = self._producer_factory(self.s)
        # What is alive now (the pipeline's automata, taxonomy and validator tables, the clients)
        # lives as long as the loop: out of the collector's reach, so the full collections a
        # batch's allocations trigger walk only the batch, not the whole heap every time (see
        # docs/benchmarks.md, stream worker profile). Objects freed by reference count are freed
        # as before.
        gc.collect()
        gc.freeze()
        try:
            self.consumer.subscribe([self.s.input_topic], listener=_Listener(self))
            log.info(
                "worker started: %s -> %s (group %s, %s)",
                self.s.input_topic,
                self.s.output_topic,
                self.s.group_id,
                "exactly-once" if self.s.exactly_once else "at-least-once",
            )
            while not self.stopping:
                records = self._collect()
                if self._batch_void or self._reset_needed:
                    self._batch_void = False
                    if self._reset_needed:
                        self._reset_positions()
                    continue
                if not records or self.stopping:
                    continue  # stopping: abandon the collected batch; it was never committed
                self.process(records)
        finally:
            self._close()
        return self.totals

    def _close(self) -> None:
        try:
            if self.producer is not None:
                self.producer.close(timeout=10)
        except Exception as e:  # noqa: BLE001
            log.warning("producer close: %s", e)
        try:
            if self.consumer is not None:
                self.consumer.close(autocommit=False)
        except Exception as e:  # noqa: BLE001
            log.warning("consumer close: %s", e)
        log.info(
            "worker stopped: %d records, %d published, %d dead-lettered",
            self.totals.records,
            self.totals.published,
            self.totals.dead_lettered,
        )

    # ---- rebalance -------------------------------------------------------------------------

    def _on_revoked(self, revoked: list[TopicPartition]) -> None:
        metrics.REBALANCES.labels("revoked").inc()
        with self._lock:
            for tp in revoked:
                self._assignment.discard((tp.topic, tp.partition))
                try:
                    metrics.CONSUMER_LAG.remove(tp.topic, str(tp.partition))
                except KeyError:
                    pass
        # Finished batches are committed before the loop polls again, so there is nothing
        # finished to commit here; what was collected but not processed is dropped.
        self._batch_void = True
        log.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))

    def _on_assigned(self, assigned: list[TopicPartition]) -> None:
        metrics.REBALANCES.labels("assigned").inc()
        with self._lock:
            self._assignment = {(tp.topic, tp.partition) for tp in assigned}
        self._reset_needed = True
        log.info("partitions assigned: %s", sorted(tp.partition for tp in assigned))

    def _reset_positions(self) -> None:
        """Seek every assigned partition to its committed offset (the group's truth)."""
        self._reset_needed = False
        for tp in list(self.consumer.assignment()):
            try:
                committed = self.consumer.committed(tp, timeout_ms=self.s.session_timeout_ms)
            except KafkaError as e:
                log.warning("could not read committed offset of %s: %s; retrying", tp, e)
                self._reset_needed = True
                time.sleep(self.s.commit_retry_backoff_ms / 1000)
                return
            if committed is None:
                if self.s.auto_offset_reset == "earliest":
                    self.consumer.seek_to_beginning(tp)
                else:
                    self.consumer.seek_to_end(tp)
            else:
                self.consumer.seek(tp, committed)

    # ---- collect ---------------------------------------------------------------------------

    def _collect(self) -> list[Inbound]:
        """Poll until the batch is full (records or bytes), max_wait passed since its first record,
        or (unless batch_wait_for_full) the client has read every assigned partition up to the end
        the broker last reported: nothing more is waiting, so holding the batch would only add
        latency. Under a backlog the end is ahead of the position and batches still fill."""
        records: list[Inbound] = []
        nbytes = 0
        deadline: float | None = None
        eager = not self.s.batch_wait_for_full
        while not self.stopping:
            remaining = self.s.batch_max_records - len(records)
            if deadline is None:
                timeout_ms = 200
            else:
                timeout_ms = max(0, int((deadline - time.monotonic()) * 1000))
            polled = self.consumer.poll(timeout_ms=timeout_ms, max_records=remaining)
            if self._reset_needed or self._batch_void:
                return []
            full = False
            for tp, msgs in polled.items():
                for m in msgs:
                    rec = Inbound.from_consumer_record(m)
                    if full or (records and nbytes + rec.size > self.s.batch_max_bytes):
                        # Over the byte bound: hand the rest back by rewinding this partition.
                        self.consumer.seek(tp, m.offset)
                        full = True
                        break
                    records.append(rec)
                    nbytes += rec.size
            if records and deadline is None:
                deadline = time.monotonic() + self.s.batch_max_wait_ms / 1000
            metrics.INFLIGHT_BYTES.set(nbytes)
            if records and (
                full
                or len(records) >= self.s.batch_max_records
                or nbytes >= self.s.batch_max_bytes
                or (deadline is not None and time.monotonic() >= deadline)
                or (eager and self._caught_up())
            ):
                break
        return records

    def _caught_up(self) -> bool:
        """Every assigned partition read up to the high watermark of its last fetch. Unknown (no
        fetch answered yet, a position being reset) counts as not: the batch then waits as if
        batch_wait_for_full. With read_committed input an open transaction keeps the watermark
        ahead, which also only means waiting up to batch_max_wait_ms."""
        try:
            for tp in self.consumer.assignment():
                hw = self.consumer.highwater(tp)
                if hw is None:
                    return False
                pos = self.consumer.position(tp, timeout_ms=0)
                if pos is None or pos < hw:
                    return False
        except KafkaError:  # e.g. a partition revoked under us: the rebalance flag handles it
            return False
        return True

    # ---- process ---------------------------------------------------------------------------

    def process(self, records: list[Inbound]) -> BatchReport:
        """Process and checkpoint one batch. On a failed checkpoint the batch is re-read."""
        t0 = time.monotonic()
        report = BatchReport(records=len(records))
        consumed: dict[str, int] = {}
        last: dict[tuple[str, int], int] = {}  # highest offset per input partition in this batch
        for rec in records:
            consumed[rec.topic] = consumed.get(rec.topic, 0) + 1
            tp = (rec.topic, rec.partition)
            if rec.offset > last.get(tp, -1):
                last[tp] = rec.offset
        for topic, n in consumed.items():  # one labelled increment per topic, not per record
            metrics.RECORDS_CONSUMED.labels(topic).inc(n)
        metrics.BATCH_SIZE.observe(len(records))

        cp = Checkpoint(self.producer, self.consumer, exactly_once=self.s.exactly_once)
        tally = Tally()
        # At-least-once: chunks, each sent as soon as it is detected (outputs flow while the rest
        # of the batch is scanned). Exactly-once: one chunk, detected before the transaction
        # begins (its outputs are invisible until the commit anyway, and a slow tier must not
        # hold a transaction open for a whole batch of pipeline calls).
        step = max(1, len(records)) if self.s.exactly_once else self.s.batch_chunk_records
        try:
            pub = Publisher(
                self.s,
                self.pipeline,
                self.producer,
                hash_key=self.hash_key,
                include_values=self.include_values,
                taxonomy_version=self.taxonomy_version,
            )
            for i in range(0, len(records), step):
                chunk = pub.detect(records[i : i + step], tally)
                if i == 0:
                    cp.begin()
                pub.send(cp, chunk, tally)
            for (topic, partition), offset in last.items():
                cp.mark(topic, partition, offset)
            cp.commit()
        except (DeliveryError, CommitError, KafkaError) as e:
            self._after_failed_checkpoint(cp, e)
            return BatchReport(records=len(records))

        metrics.PIPELINE_LATENCY.observe(tally.pipeline_s)
        report.published = tally.published
        dead = tally.dead
        report.dead_lettered = len(dead)
        for f in dead:
            metrics.RECORDS_DEAD_LETTERED.labels(f.stage, f.error_class).inc()
        for etype, n in tally.entities.items():
            metrics.ENTITIES.labels(etype).inc(n)
        if tally.degraded:
            metrics.RECORDS_DEGRADED.inc(tally.degraded)
        now_ms = time.time() * 1000
        for rec in records:
            if rec.timestamp_ms:
                metrics.END_TO_END_LATENCY.observe(max(0.0, (now_ms - rec.timestamp_ms) / 1000))
        self._update_lag(last)
        metrics.PROCESSING_LATENCY.observe(time.monotonic() - t0)
        metrics.INFLIGHT_BYTES.set(0)
        self.batches += 1
        self.totals.records += report.records
        self.totals.published += report.published
        self.totals.dead_lettered += report.dead_lettered
        return report

    def _after_failed_checkpoint(self, cp: Checkpoint, e: Exception) -> None:
        if isinstance(e, KafkaError):  # raised by send() itself (e.g. buffer timeout)
            metrics.COMMIT_FAILURES.labels(type(e).__name__).inc()
        if self.s.exactly_once:
            log.warning("transaction aborted, batch will be re-read: %s", e)
            if not cp.abort():
                self._replace_producer()
            self._reset_needed = True  # aborted output is invisible: read the batch again
        elif isinstance(e, CommitError):
            # Output is acknowledged; only the offsets are missing. Re-reading is the safe
            # reaction (duplicates, never loss) and is what a rebalance does anyway.
            log.warning("offset commit failed, batch will be re-read if the group moved: %s", e)
            self._reset_needed = True
        else:
            log.warning("delivery failed, batch will be re-read: %s", e)
            self._reset_needed = True
        time.sleep(self.s.commit_retry_backoff_ms / 1000)

    def _replace_producer(self) -> None:
        try:
            self.producer.close(timeout=5)
        except Exception:  # noqa: BLE001
            pass
        self.producer = self._producer_factory(self.s)

    def _update_lag(self, last: dict[tuple[str, int], int]) -> None:
        for (topic, part), off in last.items():
            try:
                hw = self.consumer.highwater(TopicPartition(topic, part))
            except Exception:  # noqa: BLE001 - fakes and old clients
                hw = None
            if hw is not None:
                metrics.CONSUMER_LAG.labels(topic, str(part)).set(max(0, hw - off - 1))
