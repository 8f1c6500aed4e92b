"""Client settings: the producer's partitioner keeps the default partitioner's choices."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner import DefaultPartitioner

from workers.stream.clients import KeyHashCachePartitioner, producer_config
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
    cached, default = KeyHashCachePartitioner(size=8), DefaultPartitioner()
    for key in keys + keys:  # repeated keys hit the cache (and overflow it: size 8)
        for topic in ("out", "ann"):
            assert cached.partition(topic, key, key, b"v", b"v", cluster) == default.partition(
                topic, key, key, b"v", b"v", cluster
            )


def test_unknown_topic_and_null_key() -> None:
    cluster = Cluster({"out": 3})
    p = KeyHashCachePartitioner()
    with pytest.raises(ValueError):
        p.partition("missing", b"k", b"k", b"v", b"v", cluster)
    assert p.partition("out", None, None, b"v", b"v", cluster) in {0, 1, 2}


def test_producer_uses_it() -> None:
    cfg = producer_config(StreamSettings.load(input_topic="in"))
    assert isinstance(cfg["partitioner"], KeyHashCachePartitioner)
