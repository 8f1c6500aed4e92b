"""Consumer-group lag, measured from outside the consumer loop (committed offset vs log end).

Every consumer replica measures the whole group's lag on the input topic: the value is the same
whichever replica reports it (the policy takes the max), and it stays right through rebalances,
when partition ownership is moving between replicas.
"""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

log = logging.getLogger(__name__)


class LagProbe:
    def __init__(self, bootstrap_servers: str, group_id: str, topic: str, client_id: str = "pii-worker-lag"):
        self.group_id = group_id
        self.topic = topic
        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id=f"{client_id}-admin")
        # No group: this consumer only asks for offsets, it never joins or commits.
        self._offsets = KafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
        )

    def measure(self) -> list[tuple[int, int]]:
        """[(partition, lag)] for every partition of the topic (empty if the topic is unknown)."""
        parts = self._offsets.partitions_for_topic(self.topic) or set()
        tps = [TopicPartition(self.topic, p) for p in sorted(parts)]
        if not tps:
            return []
        ends = self._offsets.end_offsets(tps)
        starts = self._offsets.beginning_offsets(tps)
        committed: dict[Any, Any] = {}
        try:
            committed = self._admin.list_group_offsets({self.group_id: tps}).get(self.group_id, {}) or {}
        except Exception as e:  # noqa: BLE001 - a group without commits yet, or a broker quirk
            log.debug("list_group_offsets failed: %s", e)
        out = []
        for tp in tps:
            c = committed.get(tp)
            pos = c.offset if c is not None and c.offset is not None and c.offset >= 0 else starts.get(tp, 0)
            out.append((tp.partition, max(0, int(ends.get(tp, 0)) - int(pos))))
        return out

    def close(self) -> None:
        for c in (self._offsets, self._admin):
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
