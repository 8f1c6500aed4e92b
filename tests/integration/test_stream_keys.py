"""`pii-worker run` against a real broker: PII in record keys and header values never reaches the
redacted or annotations topic, while each output lands on the partition its original key maps to."""

from __future__ import annotations

import orjson
import pytest
from conftest import HMAC_KEY, Kafka
from kafka.partitioner.default import murmur2

from workers.stream.envelope import HASH_CHARS, keyed_digest
from workers.stream.output import annotation_hash

pytestmark = [pytest.mark.kafka]

EMAIL = "ann.lee@example.org"
PARTITIONS = 4


def _default_partition(key: bytes) -> int:
    """Where the Java client's (and kafka-python's) default partitioner puts `key`."""
    return (murmur2(key) & 0x7FFFFFFF) % PARTITIONS


def test_keys_and_headers_with_pii_are_pseudonymized_and_partitioning_follows_the_original_key(kafka: Kafka) -> None:
    topic, group = kafka.unique("keys"), kafka.unique("g")
    kafka.create_topic(topic, PARTITIONS)
    email_key, binary_key = EMAIL.encode(), b"\xff\xfeuser-7"
    records = [
        (email_key, orjson.dumps({"id": "a1", "text": "login ok"}), [("user-email", EMAIL.encode())]),
        (b"order-17", orjson.dumps({"id": "o1", "text": "shipped"}), [("trace-id", b"t-17")]),
        (email_key, orjson.dumps({"id": "a2", "text": "logout"}), None),
        (binary_key, orjson.dumps({"id": "b1", "text": "ping"}), None),
    ]
    kafka.produce(topic, records)
    w = kafka.start_worker("--input-topic", topic, "--group-id", group, "--topic-partitions", str(PARTITIONS))
    kafka.wait_committed(group, topic, timeout_s=180)
    assert w.terminate() == 0, w.log()

    hk = HMAC_KEY.encode()
    pseudonym = f"[EMAIL_ADDRESS:{annotation_hash(hk, EMAIL, 'EMAIL_ADDRESS')[:HASH_CHARS]}]".encode()
    want_key = {"a1": pseudonym, "a2": pseudonym, "o1": b"order-17", "b1": keyed_digest(hk, "$key", binary_key)}
    original = {"a1": email_key, "a2": email_key, "o1": b"order-17", "b1": binary_key}
    for out_topic in (f"{topic}.redacted", f"{topic}.annotations"):
        got = kafka.read_all(out_topic)
        assert len(got) == 4
        for r in got:
            assert EMAIL.encode() not in r.key and all(EMAIL.encode() not in v for _, v in r.headers)
            assert EMAIL.encode() not in r.value
            doc_id = orjson.loads(r.value)["id"]
            assert r.key == want_key[doc_id]
            # The output partition is the original key's, not the published key's.
            assert r.partition == _default_partition(original[doc_id])
    redacted = {orjson.loads(r.value)["id"]: r for r in kafka.read_all(f"{topic}.redacted")}
    assert redacted["a1"].headers == [("user-email", b"[EMAIL_ADDRESS]")]
    assert redacted["o1"].headers == [("trace-id", b"t-17")]
    ann = {orjson.loads(r.value)["id"]: orjson.loads(r.value) for r in kafka.read_all(f"{topic}.annotations")}
    fields = {(e["field"], e["type"], e["value_hash"]) for e in ann["a1"]["entities"]}
    email_hash = annotation_hash(hk, EMAIL, "EMAIL_ADDRESS")
    assert fields == {("$key", "EMAIL_ADDRESS", email_hash), ("$headers.user-email", "EMAIL_ADDRESS", email_hash)}


def test_ids_holding_pii_are_published_as_keyed_pseudonyms_on_both_topics(kafka: Kafka) -> None:
    topic, group = kafka.unique("ids"), kafka.unique("g")
    kafka.create_topic(topic, PARTITIONS)
    kafka.produce(
        topic,
        [
            (b"k1", orjson.dumps({"id": EMAIL, "text": "login ok"}), None),
            (b"k2", orjson.dumps({"id": EMAIL, "text": "logout"}), None),
            (b"k3", orjson.dumps({"id": "order-17", "text": f"mail {EMAIL}"}), None),
        ],
    )
    w = kafka.start_worker("--input-topic", topic, "--group-id", group, "--topic-partitions", str(PARTITIONS))
    kafka.wait_committed(group, topic, timeout_s=180)
    assert w.terminate() == 0, w.log()

    pseudonym = f"[EMAIL_ADDRESS:{annotation_hash(HMAC_KEY.encode(), EMAIL, 'EMAIL_ADDRESS')[:HASH_CHARS]}]"
    for out_topic in (f"{topic}.redacted", f"{topic}.annotations"):
        got = [orjson.loads(r.value) for r in kafka.read_all(out_topic)]
        assert all(EMAIL not in orjson.dumps(v).decode() for v in got)
        assert sorted(v["id"] for v in got) == sorted([pseudonym, pseudonym, "order-17"])
    ann = {r["id"]: r for r in (orjson.loads(x.value) for x in kafka.read_all(f"{topic}.annotations"))}
    assert [e["field"] for e in ann[pseudonym]["entities"]] == ["id"]
    assert [e["field"] for e in ann["order-17"]["entities"]] == ["text"]
