"""OpenAIEngine request shape and fault handling against a scripted local HTTP server
(fault injection); the real server test is tests/integration/test_vllm_openai.py."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workers.detect.base import DetectFailure
from workers.detect.llm import LLMDetector, LLMSettings
from workers.detect.llm.engines import EngineRequest, OpenAIEngine
from workers.taxonomy import load_taxonomy


@pytest.fixture
def server():
    state = {"mode": "ok", "bodies": [], "headers": []}

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["bodies"].append(body)
            state["headers"].append(dict(self.headers))
            mode = state["mode"]
            if mode == "slow":
                time.sleep(2)
            if mode == "500":
                self.send_response(500)
                self.end_headers()
                self.wfile.write(b"boom")
                return
            content = json.dumps({"entities": [{"text": "Ann Lee", "type": "PERSON"}]})
            payload = {
                "choices": [{"message": {"content": content}, "finish_reason": "stop"}],
                "usage": {
                    "prompt_tokens": 100,
                    "completion_tokens": 12,
                    "prompt_tokens_details": {"cached_tokens": 64},
                },
            }
            if mode == "shape":
                payload = {"nope": 1}
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1", state
    srv.shutdown()
    srv.server_close()


def test_request_carries_schema_and_auth(server):
    url, state = server
    eng = OpenAIEngine(url, "m", api_key="k")
    [r] = eng.generate([EngineRequest(messages=[{"role": "user", "content": "x"}], schema={"type": "object"})])
    assert r.error is None and "Ann Lee" in r.text and r.cached_tokens == 64
    body = state["bodies"][0]
    assert body["model"] == "m" and body["temperature"] == 0.0
    assert body["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert state["headers"][0]["Authorization"] == "Bearer k"


@pytest.mark.parametrize("mode", ["500", "shape", "slow"])
def test_faults_become_per_request_errors(server, mode):
    url, state = server
    state["mode"] = mode
    eng = OpenAIEngine(url, "m", timeout_s=0.5)
    [r] = eng.generate([EngineRequest(messages=[{"role": "user", "content": "x"}], schema={})])
    assert r.text is None and r.error


def test_detector_over_http_and_failure_after_retries(server):
    url, state = server
    det = LLMDetector(load_taxonomy(), LLMSettings(backend="openai", base_url=url, retries=1))
    [spans] = det.detect(["Ann Lee paid"], [[]])
    assert [(s.start, s.end, s.type) for s in spans] == [(0, 7, "PERSON")]
    state["mode"] = "500"
    [failed] = det.detect(["Bo Ray paid"], [[]])
    assert isinstance(failed, DetectFailure) and "HTTP 500" in failed.reason and det.stats.retried == 1


def test_unreachable_server_is_a_detector_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    det = LLMDetector(
        load_taxonomy(), LLMSettings(backend="openai", base_url=f"http://127.0.0.1:{port}/v1", retries=1, timeout_s=5)
    )
    [failed] = det.detect(["Ann Lee"], [[]])
    assert isinstance(failed, DetectFailure) and "engine error" in failed.reason
