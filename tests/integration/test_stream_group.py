"""Two `pii-worker run` processes in one consumer group split the partitions; stopping one moves
its partitions to the other and nothing is lost."""

from __future__ import annotations

import re
import time

import orjson
import pytest
from conftest import Kafka, WorkerProcess, doc_records, gold_by_id, leaks

from workers.loggen import generate

pytestmark = [pytest.mark.kafka]

_ASSIGNED = re.compile(r"partitions assigned: \[([0-9, ]*)\]")


def assignment(w: WorkerProcess) -> set[int] | None:
    found = _ASSIGNED.findall(w.log())
    if not found:
        return None
    return {int(p) for p in found[-1].split(",") if p.strip()}


def wait_for(cond, timeout_s: float, what) -> None:
    """`what` is called only on timeout, so the message shows the logs as they were then."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what()}")


@pytest.mark.parametrize("mode", ["at-least-once", "exactly-once"])
def test_two_workers_split_partitions_and_fail_over(kafka: Kafka, mode: str) -> None:
    first, second = generate(3000, seed=21), generate(1500, seed=22)
    topic, group = kafka.unique("group"), kafka.unique("g")
    kafka.create_topic(topic, 4)
    kafka.produce(topic, doc_records(first))
    args = ["--input-topic", topic, "--group-id", group, "--batch-max-records", "100"]
    eos = mode == "exactly-once"
    if eos:
        kafka.skip_exactly_once_on_tansu()

    def tx(name: str) -> list[str]:  # each worker instance has its own transactional id
        return ["--exactly-once", "--transactional-id", f"{topic}-{name}"] if eos else []

    w1 = kafka.start_worker(*args, *tx("w1"), name="w1")
    wait_for(lambda: assignment(w1) == {0, 1, 2, 3}, 90, lambda: f"w1 to own all partitions:\n{w1.log()}")
    w2 = kafka.start_worker(*args, *tx("w2"), name="w2")

    def split() -> bool:
        for name, w in (("w1", w1), ("w2", w2)):
            if w.proc.poll() is not None:
                raise AssertionError(f"{name} exited with {w.proc.returncode}:\n{w.log()}")
        a1, a2 = assignment(w1), assignment(w2)
        return bool(a1) and bool(a2) and not (a1 & a2) and (a1 | a2) == {0, 1, 2, 3}

    wait_for(split, 180, lambda: f"the group to split partitions:\nw1:\n{w1.log()}\nw2:\n{w2.log()}")

    # More input while both run, then stop w1 while it is busy with its share.
    kafka.produce(topic, doc_records(second))
    assert w1.terminate() == 0, w1.log()
    assert "worker stopped" in w1.log()
    wait_for(lambda: assignment(w2) == {0, 1, 2, 3}, 120, lambda: f"w2 to take over:\n{w2.log()}")
    kafka.wait_committed(group, topic, timeout_s=300)
    assert w2.proc.poll() is None
    assert w2.terminate() == 0, w2.log()

    docs = first + second
    redacted = kafka.read_all(f"{topic}.redacted", read_committed=eos)
    ids = [orjson.loads(r.value)["id"] for r in redacted]
    missing = {d.id for d in docs} - set(ids)
    if missing:  # nothing may be lost across the split and the failover; say where it was
        where = sorted((r.partition, r.offset) for r in kafka.read_all(topic) if orjson.loads(r.value)["id"] in missing)
        pytest.fail(
            f"{len(missing)} inputs have no redacted record (input partition/offset from "
            f"{where[:3]} to {where[-3:]});\nw1:\n{w1.log()}\nw2:\n{w2.log()}"
        )
    assert leaks(redacted, gold_by_id(docs)) == []
    if eos:
        # Rebalances abort in-flight transactions (noida-db rejects the old generation's offsets);
        # a read_committed reader still sees every input once.
        assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicates for a read_committed reader"
