"""Real local Ray: the rules-only Serve app answers POST /redact exactly like `pii-worker redact`,
rejects malformed requests with a reason, and exports its custom metrics on Ray's metrics port."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request

import pytest

import workers.serve  # noqa: F401 - sets Ray's loopback switch before Ray is imported

pytest.importorskip("ray.serve")

from workers.config import PipelineSettings  # noqa: E402
from workers.lines import redact_lines  # noqa: E402
from workers.pipeline_factory import build_pipeline  # noqa: E402
from workers.records import RecordSpec  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.slow]

DOCS = [
    {"id": "a1", "text": "login failed for jane.doe@example.com from 203.0.113.7"},
    {"id": "a2", "text": "card 4111 1111 1111 1111 charged, call +1 415 555 0100", "svc": "billing"},
    {"id": "a3", "text": "nothing to see here"},
]
BODY = b"".join(json.dumps(d).encode() + b"\n" for d in DOCS)


def post(url: str, body: bytes, ctype: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def app_url():
    from ray import serve

    from workers.serve.app import build_app
    from workers.serve.config import load_config
    from workers.serve.runtime import start_local_ray, stop_local_ray

    rt = start_local_ray(num_cpus=2, dashboard=False)
    try:
        cfg = load_config({"device": "cpu", "consumer": {"enabled": False}, "pipeline": {"detectors": ["rules"]}})
        serve.run(build_app(cfg), name=cfg.name, route_prefix="/")
        yield f"http://127.0.0.1:{rt.http_port}", rt
    finally:
        stop_local_ray()


def test_redact_matches_cli_byte_for_byte(app_url):
    url, _ = app_url
    status, got = post(f"{url}/redact", BODY, "application/x-ndjson")
    assert status == 200, got
    want = io.BytesIO()
    redact_lines(build_pipeline(PipelineSettings(detectors=["rules"])), io.BytesIO(BODY), want, RecordSpec())
    assert got == want.getvalue()
    out = [json.loads(line) for line in got.splitlines()]
    assert "jane.doe@example.com" not in out[0]["text"]
    assert out[1]["svc"] == "billing"  # other strings are scanned too, and kept when clean


def test_json_object_and_array_framing(app_url):
    url, _ = app_url
    status, got = post(f"{url}/redact", json.dumps(DOCS[0]).encode(), "application/json")
    assert status == 200
    one = json.loads(got)
    assert one["id"] == "a1" and one["entities"]
    status, got = post(f"{url}/redact", json.dumps(DOCS).encode(), "application/json")
    assert status == 200
    assert [r["id"] for r in json.loads(got)] == ["a1", "a2", "a3"]


@pytest.mark.parametrize(
    ("body", "ctype", "status", "reason"),
    [
        (b'{"id": "x", "text": "ok"}\n{not json}\n', "application/x-ndjson", 400, "line 2: invalid JSON"),
        (b'{"id": "x"}\n', "application/x-ndjson", 400, "missing field 'text'"),
        (b'{"id": "x", "text": 5}\n', "application/x-ndjson", 400, "must be a string"),
        (b"\n\n", "application/x-ndjson", 400, "no documents"),
        (b"[]", "application/json", 400, "empty array"),
        (b'{"id": 1, "text": "\xff"}\n', "application/x-ndjson", 400, "UTF-8"),
    ],
)
def test_malformed_requests_get_4xx_with_reason(app_url, body, ctype, status, reason):
    url, _ = app_url
    code, got = post(f"{url}/redact", body, ctype)
    assert code == status
    assert reason in json.loads(got)["error"]


def test_routes_and_health(app_url):
    url, _ = app_url
    with urllib.request.urlopen(f"{url}/healthz", timeout=30) as r:
        health = json.loads(r.read())
    assert health["status"] == "ok" and health["detectors"] == ["rules"]
    code, _ = post(f"{url}/nope", b"", "text/plain")
    assert code == 404
    try:
        urllib.request.urlopen(f"{url}/redact", timeout=30)
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    assert code == 405


def test_custom_metrics_on_ray_metrics_port(app_url):
    url, rt = app_url
    post(f"{url}/redact", BODY, "application/x-ndjson")
    deadline = time.monotonic() + 60
    text = ""
    while time.monotonic() < deadline:
        with urllib.request.urlopen(rt.metrics_url, timeout=10) as r:
            text = r.read().decode()
        if "ray_pii_worker_documents_total" in text and "ray_pii_worker_entities_total" in text:
            break
        time.sleep(2)
    assert "ray_pii_worker_documents_total" in text
    assert 'entity_type="EMAIL_ADDRESS"' in text
    assert "ray_pii_worker_latency_seconds_bucket" in text
