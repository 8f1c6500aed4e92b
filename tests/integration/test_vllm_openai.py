"""The OpenAI-compatible HTTP backend against a real `vllm serve` (OpenAI API server) on
127.0.0.1 with SmolLM2-135M. Plumbing: requests, JSON-schema response_format, parsing, spans."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.llm, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def vllm_server(tmp_path_factory):
    pytest.importorskip("vllm")
    from workers.detect.llm.provision import resolve_model

    model_dir = resolve_model("smollm2-135m")
    port = _free_port()
    log = tmp_path_factory.mktemp("vllm-serve") / "server.log"
    env = dict(os.environ, VLLM_CPU_OMP_THREADS_BIND="0-1", VLLM_CPU_NUM_OF_RESERVED_CPU="0", HF_HUB_OFFLINE="1")
    cmd = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        model_dir,
        "--served-model-name",
        "smollm2",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--max-model-len",
        "2048",
        "--gpu-memory-utilization",
        "0.15",
        "--enforce-eager",
        # Compact JSON from the server's grammar: bounded schema -> bounded answer length.
        "--structured-outputs-config",
        json.dumps({"backend": "xgrammar", "disable_any_whitespace": True}),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 420
        while True:
            if proc.poll() is not None:
                pytest.fail(f"vllm server exited {proc.returncode}:\n{Path(log).read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm server not ready:\n{Path(log).read_text()[-3000:]}")
            time.sleep(2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_openai_backend_against_vllm_serve(vllm_server):
    from workers.detect.llm import LLMDetector, LLMSettings
    from workers.models import Span
    from workers.taxonomy import load_taxonomy

    settings = LLMSettings(
        backend="openai",
        base_url=vllm_server,
        served_model="smollm2",
        max_items=4,
        max_mention_chars=32,
        max_tokens=256,
        retries=0,
        timeout_s=300,
        concurrency=4,
    )
    llm = LLMDetector(load_taxonomy(), settings)
    texts = ["Ticket opened by Maria Gonzalez about a refund", "login=alice_w ok from 10.0.0.1"]
    prior = [[], [Span(start=21, end=29, type="IP_ADDRESS", score=1.0, detector="rules")]]
    out = llm.detect(texts, prior)
    assert len(out) == 2
    assert llm.stats.requests == 2 and llm.stats.failed_requests == 0
    assert llm.stats.prompt_tokens > 0 and llm.stats.completion_tokens > 0
    for t, spans in zip(texts, out, strict=False):
        for s in spans:
            assert s.detector == "llm" and t[s.start : s.end].strip()
            assert not (s.start < 29 and 21 < s.end and t is texts[1])  # never inside the masked IP
