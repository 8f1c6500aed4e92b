"""Client settings: the producer's partitioner and the worker's own partition choice keep the default
partitioner's choices."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner import DefaultPartitioner
from kafka.partitioner.default import murmur2

from workers.stream import clients
from workers.stream.clients import KeyHashCachePartitioner, key_hash, key_partition, producer_config
from workers.stream.config import StreamSettings


class Cluster:
    def __init__(self, parts: dict[str, int]) -> None:
        self.parts = parts

    def topics(self) -> set[str]:
        return set(self.parts)

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(self.parts[topic]))

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions_for_topic(topic)


@given(st.lists(st.binary(min_size=0, max_size=40), min_size=1, max_size=30), st.integers(1, 13), st.integers(1, 7))
def test_cached_partitioner_chooses_like_the_default(keys: list[bytes], n_out: int, n_ann: int) -> None:
    cluster = Cluster({"out": n_out, "ann": n_ann})
    cached, default = KeyHashCachePartitioner(), DefaultPartitioner()
    # Repeated keys hit the cache, and a small cache overflows (cleared) on the way.
    with patch.object(clients, "_KEY_HASHES_MAX", 8):
        for key in keys + keys:
            for topic in ("out", "ann"):
                assert cached.partition(topic, key, key, b"v", b"v", cluster) == default.partition(
                    topic, key, key, b"v", b"v", cluster
                )


@given(st.lists(st.binary(min_size=0, max_size=40), min_size=1, max_size=30), st.integers(1, 13))
def test_key_partition_is_the_default_partitioners_choice(keys: list[bytes], n: int) -> None:
    """The worker names output partitions itself (one hash per input for both outputs): they must
    be where the client's own partitioner would have put each keyed record."""
    cluster = Cluster({"out": n})
    parts = sorted(cluster.partitions_for_topic("out"))
    for key in keys + keys:
        assert key_partition(key, parts) == DefaultPartitioner().partition("out", key, key, b"v", b"v", cluster)
        assert key_hash(key) == murmur2(key) & 0x7FFFFFFF


def test_unknown_topic_and_null_key() -> None:
    cluster = Cluster({"out": 3})
    p = KeyHashCachePartitioner()
    with pytest.raises(ValueError):
        p.partition("missing", b"k", b"k", b"v", b"v", cluster)
    assert p.partition("out", None, None, b"v", b"v", cluster) in {0, 1, 2}


def test_producer_uses_it() -> None:
    cfg = producer_config(StreamSettings.load(input_topic="in"))
    assert isinstance(cfg["partitioner"], KeyHashCachePartitioner)
