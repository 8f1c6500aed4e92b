"""Kafka client construction (one place for client settings) and topic creation."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
from kafka.partitioner import DefaultPartitioner
from kafka.partitioner.default import murmur2

from workers.stream.config import StreamSettings

log = logging.getLogger(__name__)


def consumer_config(s: StreamSettings) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "bootstrap_servers": s.bootstrap_servers,
        "group_id": s.group_id,
        "client_id": f"{s.client_id}-consumer",
        "enable_auto_commit": False,  # offsets move only through the checkpoint
        "auto_offset_reset": s.auto_offset_reset,
        # Inputs may themselves come from a transactional producer: never read aborted data.
        "isolation_level": s.input_isolation_level,
        "session_timeout_ms": s.session_timeout_ms,
        "heartbeat_interval_ms": s.heartbeat_interval_ms,
        "max_poll_interval_ms": s.max_poll_interval_ms,
        "max_poll_records": s.batch_max_records,
        "fetch_max_wait_ms": s.fetch_max_wait_ms,
        # Keep the client's own prefetch in the same order of magnitude as one batch.
        "fetch_max_bytes": max(s.batch_max_bytes, 64 * 1024),
        "max_partition_fetch_bytes": min(1024 * 1024, max(s.batch_max_bytes // 2, 16 * 1024)),
    }
    if s.group_instance_id:
        cfg["group_instance_id"] = s.group_instance_id
    return cfg


def producer_config(s: StreamSettings) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "bootstrap_servers": s.bootstrap_servers,
        "client_id": f"{s.client_id}-producer",
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": s.producer_linger_ms,
        "batch_size": s.producer_batch_bytes,
        "max_request_size": max(s.max_document_bytes * 2 + 64 * 1024, 1024 * 1024),
        "partitioner": KeyHashCachePartitioner(),
    }
    if s.producer_compression != "none":
        cfg["compression_type"] = s.producer_compression
    if s.exactly_once:
        cfg["transactional_id"] = s.transactional_id
        cfg["transaction_timeout_ms"] = s.transaction_timeout_ms
    return cfg


_KEY_HASHES: dict[bytes, int] = {}
_KEY_HASHES_MAX = 4096


def key_hash(key: bytes) -> int:
    """murmur2 of a key as the default partitioner uses it (positive 31 bits), recent keys cached:
    kafka-python's murmur2 is pure Python and every input's outputs carry its key."""
    h = _KEY_HASHES.get(key)
    if h is None:
        if len(_KEY_HASHES) >= _KEY_HASHES_MAX:
            _KEY_HASHES.clear()
        h = _KEY_HASHES[key] = murmur2(key) & 0x7FFFFFFF
    return h


def key_partition(key: bytes, partitions: Sequence[int]) -> int:
    """The partition the default partitioner picks for `key` among `partitions` (sorted)."""
    return partitions[key_hash(key) % len(partitions)]


class KeyHashCachePartitioner(DefaultPartitioner):
    """The default partitioner's choice (murmur2 of the key, as the Java client), through the
    cached key_hash."""

    def partition(
        self,
        topic: str,
        key: Any,
        serialized_key: bytes | None,
        value: Any,  # noqa: ANN401
        serialized_value: bytes | None,
        cluster: Any,
    ) -> int:  # noqa: ANN401
        if serialized_key is None:
            return int(super().partition(topic, key, serialized_key, value, serialized_value, cluster))
        if topic not in cluster.topics():
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        return int(key_partition(serialized_key, sorted(cluster.partitions_for_topic(topic))))


def make_consumer(s: StreamSettings) -> KafkaConsumer:
    return KafkaConsumer(**consumer_config(s))


def make_producer(s: StreamSettings) -> KafkaProducer:
    p = KafkaProducer(**producer_config(s))
    if s.exactly_once:
        # Fences any earlier producer with this transactional id and aborts its open transaction.
        p.init_transactions()
    return p


def ensure_topics(s: StreamSettings, timeout_s: float = 30.0) -> list[str]:
    """Create input and output topics that do not exist yet. Returns the names created."""
    wanted = [s.input_topic, s.output_topic, s.annotations_topic, s.dlq_topic]
    admin = KafkaAdminClient(bootstrap_servers=s.bootstrap_servers, client_id=f"{s.client_id}-admin")
    try:
        created: list[str] = []
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        for name in missing:
            try:
                admin.create_topics([NewTopic(name, s.topic_partitions, s.replication_factor)])
                created.append(name)
            except TopicAlreadyExistsError:  # another worker won the race
                pass
        deadline = time.monotonic() + timeout_s
        while missing and time.monotonic() < deadline:
            if set(missing) <= set(admin.list_topics()):
                break
            time.sleep(0.2)
        if created:
            log.info("created topics %s with %d partitions", created, s.topic_partitions)
        return created
    finally:
        admin.close()
