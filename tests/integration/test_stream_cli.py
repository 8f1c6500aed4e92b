"""`pii-worker broker` lifecycle, and `pii-worker run` on structured logs and plain text."""

from __future__ import annotations

import json
import subprocess

import orjson
import pytest
from conftest import Kafka, worker_command

pytestmark = [pytest.mark.kafka]


@pytest.mark.parametrize("kind", ["noida-db", "tansu"])
def test_broker_cli_start_status_stop(kind: str, tmp_path) -> None:
    cli = worker_command()
    data = str(tmp_path / "b")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, "broker", *args], capture_output=True, text=True, timeout=90)

    assert run("status", "--data-dir", data).returncode == 1  # nothing yet
    started = run("start", "--port", "0", "--data-dir", data, "--kind", kind)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        info = json.loads(started.stdout)
        st = run("status", "--data-dir", data)
        assert st.returncode == 0
        assert json.loads(st.stdout)["ready"] is True
        assert json.loads(st.stdout)["bootstrap_servers"] == info["bootstrap_servers"]
        again = run("start", "--port", "0", "--data-dir", data, "--kind", kind)
        assert again.returncode == 1 and "already running" in again.stdout
    finally:
        stopped = run("stop", "--data-dir", data)
    assert stopped.stdout.strip() == "stopped"
    assert run("status", "--data-dir", data).returncode == 1


def test_structured_logs_named_fields_every_string_scanned_and_plain_text(kafka: Kafka) -> None:
    topic, group = kafka.unique("logs"), kafka.unique("g")
    kafka.create_topic(topic, 2)
    logs = [
        {
            "ts": "2026-11-26T10:00:00Z",
            "level": "info",
            "message": "password reset sent to ann.lee@example.org",
            "user": {"email": "ann.lee@example.org", "id": 42},
            "note": "cc ops@example.net",
        },
        {"ts": "2026-11-26T10:00:01Z", "level": "warn", "message": "card 4111 1111 1111 1111 declined"},
        {"level": "debug", "user": {"id": 7}},  # no named field present: still published, scanned
    ]
    records = [(b"k%d" % i, orjson.dumps(d), [("src", b"app")]) for i, d in enumerate(logs)]
    records.append((b"plain", b"ssh login from 203.0.113.9 for bob@example.com", None))
    kafka.produce(topic, records)
    w = kafka.start_worker("--input-topic", topic, "--group-id", group, "--redact-fields", "message,user.email")
    kafka.wait_committed(group, topic, timeout_s=120)
    assert w.terminate() == 0, w.log()

    out = {r.key: (orjson.loads(r.value), r.headers) for r in kafka.read_all(f"{topic}.redacted")}
    assert len(out) == 4
    first, headers = out[b"k0"]
    assert "ann.lee@example.org" not in first["message"] and "password reset sent to" in first["message"]
    assert "ann.lee@example.org" not in first["user"]["email"] and first["user"]["id"] == 42
    assert first["note"] == "cc [EMAIL_ADDRESS]"  # not a named field: scanned all the same
    assert first["ts"] == logs[0]["ts"] and headers == [("src", b"app")]
    assert "4111 1111 1111 1111" not in out[b"k1"][0]["message"]
    assert out[b"k2"][0]["user"] == {"id": 7} and out[b"k2"][0]["level"] == "debug"
    plain = out[b"plain"][0]
    assert plain["id"].startswith(f"{topic}/") and "bob@example.com" not in plain["text"]
    assert "203.0.113.9" not in plain["text"]

    ann = {r.key: orjson.loads(r.value) for r in kafka.read_all(f"{topic}.annotations")}
    fields = {e["field"] for e in ann[b"k0"]["entities"]}
    assert fields == {"message", "user.email", "note"}
    assert all(len(e["value_hash"]) == 64 and "value" not in e for e in ann[b"k0"]["entities"])
    # Same value, same key: same hash across fields and records.
    hashes = {e["field"]: e["value_hash"] for e in ann[b"k0"]["entities"] if e["type"] == "EMAIL_ADDRESS"}
    assert hashes["message"] == hashes["user.email"]
