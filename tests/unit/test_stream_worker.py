"""Loop logic with in-memory clients: commit order, fault injection, isolation, rebalance, stop."""

from __future__ import annotations

import re

import orjson
import pytest
from stream_fakes import FakeConsumer, FakePipeline, FakeProducer

from workers.stream.clients import key_partition
from workers.stream.config import StreamSettings
from workers.stream.envelope import HASH_CHARS, keyed_digest
from workers.stream.output import annotation_hash, parse_dead_letter_headers
from workers.stream.worker import StreamWorker


def docs(n: int, start: int = 0, text: str = "id {i} has SECRET{i}") -> list[tuple[bytes, bytes]]:
    return [
        (f"k{i}".encode(), orjson.dumps({"id": f"d{i}", "text": text.format(i=i)})) for i in range(start, start + n)
    ]


def make(consumer: FakeConsumer, producer: FakeProducer, **kw) -> StreamWorker:
    kw.setdefault("batch_max_wait_ms", 0)
    s = StreamSettings.load(input_topic="in", batch_max_records=kw.pop("batch", 10), commit_retry_backoff_ms=0, **kw)
    if s.exactly_once:
        producer.consumer_commit_hook = consumer._apply
    return StreamWorker(
        s, FakePipeline(), hash_key=b"k", consumer_factory=lambda _s: consumer, producer_factory=lambda _s: producer
    )


def run_until_done(worker: StreamWorker, consumer: FakeConsumer, max_polls: int = 200) -> None:
    def hook(c: FakeConsumer) -> None:
        if c.done() or c.polls > max_polls:
            worker.stop()

    consumer.on_poll = hook
    worker.run()


def by_topic(producer: FakeProducer, topic: str) -> list[tuple[bytes, bytes | None, list]]:
    return [(v, k, h) for t, v, k, h in producer.visible if t == topic]


@pytest.mark.parametrize("exactly_once", [False, True])
def test_every_record_published_once_with_key_headers_and_metadata(exactly_once):
    c = FakeConsumer("in", {0: docs(25), 1: docs(13, 100)})
    p = FakeProducer()
    w = make(c, p, exactly_once=exactly_once)
    run_until_done(w, c)
    out = by_topic(p, "in.redacted")
    assert len(out) == 38
    for value, key, headers in out:
        body = orjson.loads(value)
        assert re.search(r"SECRET\d", body["text"]) is None and "[SECRET]" in body["text"]
        assert key == f"k{body['id'][1:]}".encode()
        assert headers == [("h", b"1")]
        assert body["_pii"]["taxonomy_version"] == "test-1" and body["_pii"]["detectors"] == ["fake"]
    ann = [orjson.loads(v) for v, _, _ in by_topic(p, "in.annotations")]
    assert len(ann) == 38 and all(a["entities"][0]["type"] == "SECRET" for a in ann)
    # The worker names each output's partition: where the default partitioner puts the key.
    parts = sorted(p.partitions_for("in.redacted"))
    assert [part for _, _, part in p.partitions] == [key_partition(key, parts) for _, key, _ in p.partitions]
    assert c.commits == {0: 25, 1: 13}
    assert c.closed and p.closed
    if exactly_once:
        assert p.committed_txns >= 4 and p.aborted == 0


def test_poison_and_pipeline_failures_go_to_dlq_and_the_stream_continues():
    recs = docs(10)
    recs[2] = (b"k2", b"\xff\xfe")
    recs[4] = (b"k4", orjson.dumps({"id": "d4", "text": "FAIL here"}))
    recs[6] = (b"k6", orjson.dumps({"id": "d6", "text": "BOOM SECRET1"}))  # whole run() raises
    recs[8] = (b"k8", orjson.dumps({"id": "d8", "text": "SKIP SECRET1"}))  # claims no detector ran
    c = FakeConsumer("in", {0: recs})
    p = FakeProducer()
    w = make(c, p)
    run_until_done(w, c)
    dlq = by_topic(p, "in.dlq")
    reasons = {parse_dead_letter_headers(h)["source_offset"]: parse_dead_letter_headers(h) for _, _, h in dlq}
    assert set(reasons) == {"2", "4", "6", "8"}
    assert reasons["2"]["stage"] == "ingest" and reasons["2"]["error_class"] == "InvalidUtf8"
    assert reasons["4"]["error_class"] == "DetectorError"
    assert reasons["6"]["error_class"] == "RuntimeError"
    assert reasons["8"]["error_class"] == "IncompleteDetection"
    # DLQ carries the original bytes and the original headers.
    assert (b"\xff\xfe", b"k2") in [(v, k) for v, k, _ in dlq]
    assert all(("h", b"1") in h for _, _, h in dlq)
    assert len(by_topic(p, "in.redacted")) == 6
    assert c.commits == {0: 10}


def test_delivery_failure_blocks_the_commit_and_the_batch_is_reread():
    c = FakeConsumer("in", {0: docs(5)})
    p = FakeProducer(fail_topics={"in.annotations"})
    w = make(c, p)
    polls = []

    def hook(cons: FakeConsumer) -> None:
        polls.append(dict(cons.positions))
        if len(polls) == 4:
            p.fail_topics.clear()  # the broker recovers
        if cons.done() or len(polls) > 50:
            w.stop()

    c.on_poll = hook
    w.run()
    # Nothing was committed while annotations were failing; afterwards everything was.
    assert c.commits == {0: 5}
    ids = [orjson.loads(v)["id"] for v, _, _ in by_topic(p, "in.redacted")]
    assert set(ids) == {f"d{i}" for i in range(5)}
    assert len(ids) > 5  # re-read after the failed checkpoint: duplicates, never loss


def test_commit_failure_rereads_from_the_committed_offset():
    c = FakeConsumer("in", {0: docs(20)}, fail_commits=1)
    p = FakeProducer()
    w = make(c, p, batch=10)
    run_until_done(w, c)
    ids = [orjson.loads(v)["id"] for v, _, _ in by_topic(p, "in.redacted")]
    assert set(ids) == {f"d{i}" for i in range(20)}
    assert ids.count("d0") == 2  # first batch published, commit rejected, re-read
    assert c.commits == {0: 20}


def test_exactly_once_failed_transaction_is_aborted_and_nothing_is_duplicated():
    c = FakeConsumer("in", {0: docs(20)})
    p = FakeProducer(fail_commit_txn=2)
    w = make(c, p, batch=10, exactly_once=True)
    run_until_done(w, c)
    ids = [orjson.loads(v)["id"] for v, _, _ in by_topic(p, "in.redacted")]
    assert sorted(ids) == sorted(f"d{i}" for i in range(20))
    assert p.aborted == 2
    assert c.commits == {0: 20}


def test_rebalance_drops_the_collected_batch_and_resumes_from_committed():
    c = FakeConsumer("in", {0: docs(30)})
    p = FakeProducer()
    w = make(c, p, batch=10, batch_max_wait_ms=10_000)
    state = {"n": 0}

    def hook(cons: FakeConsumer) -> None:
        state["n"] += 1
        if state["n"] == 4:
            cons.rebalance()
        if cons.done() or state["n"] > 100:
            w.stop()

    c.on_poll = hook
    w.run()
    ids = [orjson.loads(v)["id"] for v, _, _ in by_topic(p, "in.redacted")]
    assert sorted(set(ids)) == sorted(f"d{i}" for i in range(30))
    assert c.commits == {0: 30}


def test_no_committed_offset_lookup_between_revocation_and_assignment():
    # kafka-python keeps listing the old partitions after the revocation callback until the group
    # has rejoined; asking the coordinator for their committed offsets then can block the rejoin
    # (seen on a real broker: the second worker never got partitions). Positions are reset only
    # once the new assignment arrives, and the batch collected before it is still dropped.
    c = FakeConsumer("in", {0: docs(30)})
    p = FakeProducer()
    w = make(c, p, batch=10, batch_max_wait_ms=10_000)
    state = {"n": 0, "rejoining": False, "lookups_while_rejoining": 0}
    parts = [c.tp(0)]
    looked_up = c.committed

    def committed(tp, timeout_ms=None):  # noqa: ANN001, ANN202
        if state["rejoining"]:
            state["lookups_while_rejoining"] += 1
        return looked_up(tp, timeout_ms)

    c.committed = committed  # type: ignore[method-assign]

    def hook(cons: FakeConsumer) -> None:
        state["n"] += 1
        if state["n"] == 4:
            state["rejoining"] = True
            cons.listener.on_partitions_revoked(parts)
        elif state["n"] == 7:
            state["rejoining"] = False
            cons.listener.on_partitions_assigned(parts)
        if cons.done() or state["n"] > 100:
            w.stop()

    c.on_poll = hook
    w.run()
    assert state["lookups_while_rejoining"] == 0
    ids = [orjson.loads(v)["id"] for v, _, _ in by_topic(p, "in.redacted")]
    assert sorted(set(ids)) == sorted(f"d{i}" for i in range(30))
    assert c.commits == {0: 30}


def test_stop_abandons_an_uncommitted_batch():
    c = FakeConsumer("in", {0: docs(30)})
    p = FakeProducer()
    w = make(c, p, batch=10, batch_max_wait_ms=60_000)
    c.on_poll = lambda cons: w.stop() if cons.polls == 3 else None
    w.run()
    # The batch being collected when stop arrived was neither published nor committed.
    assert len(by_topic(p, "in.redacted")) == c.commits.get(0, 0)
    assert c.closed and p.closed


def test_batches_respect_the_byte_bound():
    big = [(b"k", orjson.dumps({"id": f"d{i}", "text": "x" * 900})) for i in range(40)]
    c = FakeConsumer("in", {0: big})
    p = FakeProducer()
    w = make(c, p, batch=1000, batch_max_bytes=4096)
    sizes = []
    orig = w.process

    def spy(records):
        sizes.append(sum(r.size for r in records))
        return orig(records)

    w.process = spy  # type: ignore[method-assign]
    run_until_done(w, c)
    assert sum(1 for _ in by_topic(p, "in.redacted")) == 40
    # Records beyond the byte bound are handed back (seek) rather than held in memory.
    assert max(sizes) <= 4096
    assert len(sizes) >= 10


def test_output_of_a_keyless_record_is_partitioned_by_the_client():
    c = FakeConsumer("in", {0: [(None, orjson.dumps({"id": "d0", "text": "SECRET1"}))]})
    p = FakeProducer()
    run_until_done(make(c, p), c)
    assert [(t, part) for t, _, part in p.partitions] == [("in.redacted", None), ("in.annotations", None)]


@pytest.mark.parametrize(
    ("available", "per_poll", "wait_for_full", "hw_unknown", "batches"),
    [
        # Read up to the end: the batch closes at once (no 60 s wait for more).
        (5, None, False, False, [5]),
        # Behind the end (small fetches): keep polling until caught up or full.
        (8, 3, False, False, [8]),
        (25, 3, False, False, [10, 10, 5]),
        # Backlogged: batches still fill to batch_max_records.
        (30, None, False, False, [10, 10, 10]),
        # End unknown (no fetch answered): wait as batch_wait_for_full does.
        (5, None, False, True, []),
        # batch_wait_for_full: a partial batch waits for batch_max_wait_ms (never reached here).
        (5, None, True, False, []),
        (30, None, True, False, [10, 10, 10]),
    ],
)
def test_batch_closes_when_the_input_is_read_to_the_end(available, per_poll, wait_for_full, hw_unknown, batches):
    c = FakeConsumer("in", {0: docs(available)})
    c.per_poll, c.highwater_unknown = per_poll, hw_unknown
    p = FakeProducer()
    w = make(c, p, batch=10, batch_max_wait_ms=60_000, batch_wait_for_full=wait_for_full)
    sizes: list[int] = []
    orig = w.process

    def spy(records):
        sizes.append(len(records))
        return orig(records)

    w.process = spy  # type: ignore[method-assign]
    c.on_poll = lambda cons: w.stop() if cons.polls >= 30 else None
    w.run()
    assert sizes == batches
    assert c.commits.get(0, 0) == sum(batches)


# ---- keys and headers (workers.stream.envelope) ----------------------------------------------


def _keyed(records: list[tuple[bytes | None, bytes, list]], partition: int = 0) -> FakeConsumer:
    """A consumer whose records carry the given keys and headers."""
    c = FakeConsumer("in", {partition: [(k, v) for k, v, _ in records]})
    c.logs[partition] = [r._replace(headers=h) for r, (_, _, h) in zip(c.logs[partition], records, strict=True)]
    return c


def _value(i: int, text: str = "nothing here") -> bytes:
    return orjson.dumps({"id": f"d{i}", "text": text})


def test_pii_in_keys_becomes_a_stable_pseudonym_on_the_original_keys_partition():
    key = b"user:SECRET7"
    c = _keyed([(key, _value(0), []), (b"plain", _value(1), []), (key, _value(2, "SECRET9"), [])])
    p = FakeProducer(topic_partitions=7)
    run_until_done(make(c, p), c)
    pseudonym = b"user:[SECRET:" + annotation_hash(b"k", "SECRET7", "SECRET")[:HASH_CHARS].encode() + b"]"
    out = by_topic(p, "in.redacted")
    assert [k for _, k, _ in out] == [pseudonym, b"plain", pseudonym]
    assert all(b"SECRET7" not in v and b"SECRET7" not in (k or b"") for t, v, k, _ in p.visible)
    # Same key, same output key and the partition the ORIGINAL key maps to (per-key order holds).
    parts = sorted(p.partitions_for("in.redacted"))
    sent = [(t, part) for t, _, part in p.partitions if t == "in.redacted"]
    assert sent == [("in.redacted", key_partition(k, parts)) for k in (key, b"plain", key)]
    # The value's own redaction is unchanged by the key's line in the document.
    assert [orjson.loads(v)["text"] for v, _, _ in out] == ["nothing here", "nothing here", "[SECRET]"]
    ann = [orjson.loads(v) for v, _, _ in by_topic(p, "in.annotations")]
    assert ann[0]["entities"] == [
        {
            "type": "SECRET",
            "start": 5,
            "end": 12,
            "score": 1.0,
            "detector": "fake",
            "field": "$key",
            "value_hash": annotation_hash(b"k", "SECRET7", "SECRET"),
        }
    ]
    assert [k for _, k, _ in by_topic(p, "in.annotations")] == [pseudonym, b"plain", pseudonym]


def test_headers_are_redacted_names_kept_and_non_utf8_key_and_values_hashed():
    headers = [("user", b"phone SECRET3"), ("trace", b"t-1"), ("blob", b"\xff\xfe")]
    c = _keyed([(b"\xffSECRET1", _value(0), headers)])
    p = FakeProducer()
    run_until_done(make(c, p), c)
    [(_, key, published)] = by_topic(p, "in.redacted")
    assert key == keyed_digest(b"k", "$key", b"\xffSECRET1")
    assert published == [
        ("user", b"phone [SECRET]"),
        ("trace", b"t-1"),
        ("blob", keyed_digest(b"k", "$headers.blob", b"\xff\xfe")),
    ]
    [ann] = [orjson.loads(v) for v, _, _ in by_topic(p, "in.annotations")]
    assert [(e["field"], e["start"], e["end"]) for e in ann["entities"]] == [("$headers.user", 6, 13)]


@pytest.mark.parametrize(
    ("policy", "want_key", "want_header"),
    [
        ("keep", b"SECRET5", b"SECRET6"),  # opt-in, unsafe: today's behaviour
        ("hash", keyed_digest(b"k", "$key", b"SECRET5"), b"[SECRET]"),
        ("redact", b"[SECRET:" + annotation_hash(b"k", "SECRET5", "SECRET")[:HASH_CHARS].encode() + b"]", b"[SECRET]"),
    ],
)
def test_key_header_policy(policy, want_key, want_header):
    c = _keyed([(b"SECRET5", _value(0), [("h", b"SECRET6")])])
    p = FakeProducer()
    run_until_done(make(c, p, key_header_policy=policy), c)
    for topic in ("in.redacted", "in.annotations"):
        [(_, key, headers)] = by_topic(p, topic)
        assert (key, headers) == (want_key, [("h", want_header)])
    # The partition follows the original key under every policy.
    assert {part for _, _, part in p.partitions} == {key_partition(b"SECRET5", sorted(p.partitions_for("x")))}


@pytest.mark.parametrize(
    ("key", "headers", "error_class"),
    [
        (b"FAIL-user", [], "DetectorError"),  # detection failed on the key's text
        (b"u1", [("h", b"FAIL")], "DetectorError"),
        (b"u1", [("h", b"BOOM")], "RuntimeError"),  # the whole batch raised, then isolated
        (b"SKIP", [], "IncompleteDetection"),  # a detector did not run
    ],
)
def test_detection_failing_for_a_key_or_header_dead_letters_the_record(key, headers, error_class):
    c = _keyed([(key, _value(0, "SECRET1"), headers), (b"ok", _value(1, "SECRET2"), [])])
    p = FakeProducer()
    run_until_done(make(c, p), c)
    assert [orjson.loads(v)["id"] for v, _, _ in by_topic(p, "in.redacted")] == ["d1"]
    [(value, dlq_key, dlq_headers)] = by_topic(p, "in.dlq")
    # The dead-letter topic is the quarantine: original bytes, key and headers.
    assert (value, dlq_key) == (_value(0, "SECRET1"), key)
    assert dlq_headers[: len(headers)] == headers
    assert parse_dead_letter_headers(dlq_headers)["error_class"] == error_class
    assert c.commits == {0: 2}


def test_keys_and_headers_cost_no_extra_pipeline_call():
    c = _keyed([(f"SECRET{i}".encode(), _value(i), [("h", b"SECRET1")]) for i in range(6)])
    p = FakeProducer()
    w = make(c, p, batch=10)
    run_until_done(w, c)
    assert w.pipeline.calls == 1  # type: ignore[attr-defined]


def test_real_rules_find_an_email_key_and_a_phone_header():
    from workers.config import PipelineSettings
    from workers.pipeline_factory import build_pipeline

    key, phone = b"ann.lee@example.org", b"+1 415 555 0134"
    c = _keyed([(key, _value(0, "login ok"), [("x-user-phone", phone), ("trace", b"t-1")])])
    p = FakeProducer()
    s = StreamSettings.load(input_topic="in", batch_max_wait_ms=0, commit_retry_backoff_ms=0)
    w = StreamWorker(
        s,
        build_pipeline(PipelineSettings(detectors=["rules"])),
        hash_key=b"k",
        consumer_factory=lambda _s: c,
        producer_factory=lambda _s: p,
    )
    run_until_done(w, c)
    [(value, out_key, headers)] = by_topic(p, "in.redacted")
    assert out_key == f"[EMAIL_ADDRESS:{annotation_hash(b'k', key.decode(), 'EMAIL_ADDRESS')[:HASH_CHARS]}]".encode()
    assert headers == [("x-user-phone", b"[PHONE_NUMBER]"), ("trace", b"t-1")]
    assert orjson.loads(value)["text"] == "login ok"
    [ann] = [orjson.loads(v) for v, _, _ in by_topic(p, "in.annotations")]
    assert {(e["field"], e["type"]) for e in ann["entities"]} == {
        ("$key", "EMAIL_ADDRESS"),
        ("$headers.x-user-phone", "PHONE_NUMBER"),
    }
