"""200 poison records mixed into 5,000 good ones: 200 dead letters with reasons, 5,000 published,
the worker keeps running. Also checks the metrics endpoint of the same run."""

from __future__ import annotations

import random
import re
import urllib.request
from collections import Counter

import orjson
import pytest
from conftest import Kafka, doc_records, gold_by_id, leaks

from workers.loggen import generate
from workers.stream.output import parse_dead_letter_headers

pytestmark = [pytest.mark.kafka]

MAX_DOC = 4096


def poison(rng: random.Random) -> list[tuple[bytes, bytes, list, str]]:
    """(key, value, headers, expected error class) - 40 of each kind."""
    out = []
    for i in range(40):
        out.append((b"bad-json", b'{"id": "pj%d", "text": "unterminated' % i, [], "InvalidJson"))
        out.append((b"bad-utf8", b"user \xff\xfe logged in " + str(i).encode(), [], "InvalidUtf8"))
        out.append((b"no-text", orjson.dumps({"id": f"pm{i}", "body": "x"}), [], "MissingField"))
        out.append((b"bad-type", orjson.dumps({"id": f"pt{i}", "text": 12345}), [], "InvalidField"))
        out.append(
            (
                b"too-big",
                orjson.dumps({"id": f"pb{i}", "text": "y" * (MAX_DOC + rng.randint(1, 500))}),
                [("origin", b"poison")],
                "DocumentTooLarge",
            )
        )
    return out


def test_poison_records_go_to_the_dlq_and_the_stream_continues(kafka: Kafka) -> None:
    rng = random.Random(5)
    good = generate(5000, seed=31)
    bad = poison(rng)
    records = [(k, v, h, None) for k, v, h in doc_records(good)] + bad
    rng.shuffle(records)
    topic, group = kafka.unique("poison"), kafka.unique("g")
    kafka.create_topic(topic, 4)
    kafka.produce(topic, [(k, v, h) for k, v, h, _ in records])

    w = kafka.start_worker(
        "--input-topic",
        topic,
        "--group-id",
        group,
        "--max-document-bytes",
        str(MAX_DOC),
        "--metrics-port",
        "0",
        name="poison",
    )
    kafka.wait_committed(group, topic, timeout_s=300)
    assert w.proc.poll() is None, f"the worker exited:\n{w.log()}"

    dlq = kafka.read_all(f"{topic}.dlq")
    redacted = kafka.read_all(f"{topic}.redacted")
    assert len(dlq) == 200
    expected = Counter(e for *_, e in bad)
    got = Counter(parse_dead_letter_headers(r.headers)["error_class"] for r in dlq)
    assert got == expected
    originals = {v for _, v, _, e in bad}
    for r in dlq:
        meta = parse_dead_letter_headers(r.headers)
        assert meta["stage"] == "ingest" and meta["message"]
        assert meta["source_topic"] == topic and int(meta["source_partition"]) in range(4)
        assert int(meta["source_offset"]) >= 0
        assert r.value in originals  # the original bytes, untouched
    assert any(("origin", b"poison") in r.headers for r in dlq)  # original headers kept

    ids = Counter(orjson.loads(r.value)["id"] for r in redacted)
    assert set(ids) == {d.id for d in good}
    assert leaks(redacted, gold_by_id(good)) == []

    port = int(re.search(r"metrics on http://127.0.0.1:(\d+)/metrics", w.log()).group(1))
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    assert w.terminate() == 0, w.log()

    def total(name: str) -> float:
        return sum(float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+]+)$", text, re.M))

    assert total("pii_worker_records_dead_lettered_total") == 200
    assert total("pii_worker_records_consumed_total") >= 5200
    assert total("pii_worker_records_published_total") >= 2 * 5000  # redacted + annotations
    assert 'pii_worker_records_dead_lettered_total{error_class="InvalidUtf8",stage="ingest"} 40.0' in text
    assert "pii_worker_consumer_lag_records{" in text and "pii_worker_end_to_end_latency_seconds_bucket" in text
    assert total("pii_worker_entities_total") > 5000
    # Labels never carry record content: no document id and no gold value shows up.
    values = [v.decode() for vs in gold_by_id(good[:200]).values() for v in vs]
    assert not [d.id for d in good[:200] if f'"{d.id}"' in text]
    assert not [v for v in values if v in text]
