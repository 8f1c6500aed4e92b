"""Extractor batch isolation and HandleDetector, with in-process fakes (fault injection; no cluster).
Batching through real Serve is covered by tests/integration/test_serve_stream.py."""

from __future__ import annotations

import pytest

import workers.serve  # noqa: F401 - loopback switch before Ray is imported

pytest.importorskip("ray.serve")

from workers.detect.base import DetectorError  # noqa: E402
from workers.models import Span  # noqa: E402
from workers.serve import extractor as ex  # noqa: E402


class Flaky:
    """Fails the texts containing 'bad' (partial failure), or everything with 'crash'."""

    name = "llm"

    def __init__(self):
        self.calls: list[list[str]] = []

    def detect(self, texts, prior):
        self.calls.append(list(texts))
        if any("crash" in t for t in texts):
            raise RuntimeError("engine died")
        bad = [i for i, t in enumerate(texts) if "bad" in t]
        if bad:
            raise DetectorError("malformed output", failed=bad)
        return [[Span(start=0, end=len(t), type="PERSON", score=0.9, detector="llm")] for t in texts]


def make_extractor(det):
    inst = ex.Extractor.func_or_class.__new__(ex.Extractor.func_or_class)
    inst.detector = det
    inst.metrics = ex.ServeMetrics()
    inst._hints, inst._hints_lock = {}, __import__("threading").Lock()
    return inst


def test_partial_failure_isolates_the_bad_text_and_reruns_the_rest_once():
    det = Flaky()
    out = make_extractor(det)._detect_isolated(["ann", "bad one", "bob"], [[], [], []])
    assert "error" in out[1] and "malformed output" in out[1]["error"]
    assert [s["end"] for s in out[0]["spans"]] == [3] and [s["end"] for s in out[2]["spans"]] == [3]
    assert det.calls == [["ann", "bad one", "bob"], ["ann", "bob"]]


def test_engine_crash_fails_only_its_batch_with_a_reason():
    out = make_extractor(Flaky())._detect_isolated(["x", "crash"], [[], []])
    assert all("RuntimeError: engine died" in r["error"] for r in out)


class Response:
    def __init__(self, value=None, exc=None):
        self.value, self.exc = value, exc

    def result(self, timeout_s=None):
        if self.exc:
            raise self.exc
        return self.value


class FakeHandle:
    """Stands in for a DeploymentHandle: `handle.extract.remote(req)` -> response."""

    def __init__(self, answer):
        self.answer = answer
        self.sent: list[dict] = []
        self.extract = self

    def remote(self, req):
        self.sent.append(req)
        return self.answer(req)


def answer(req):
    t = req["text"]
    if "timeout" in t:
        return Response(exc=TimeoutError("no answer"))
    if "bad" in t:
        return Response({"error": "DetectorError: malformed"})
    return Response({"spans": [{"start": 0, "end": 1, "type": "PERSON", "score": 0.9, "detector": "llm"}]})


def test_handle_detector_reports_failed_indices_and_answers_the_retry_from_cache():
    h = FakeHandle(answer)
    det = ex.HandleDetector(h, lag_hint=lambda: ("c1", 42.0))
    prior = [[Span(start=0, end=1, type="EMAIL_ADDRESS", score=1.0, detector="rules:email")], [], []]
    with pytest.raises(DetectorError) as e:
        det.detect(["a@b", "bad", "timeout"], prior)
    assert e.value.failed == [1, 2]
    assert h.sent[0]["lag_hint"] == ("c1", 42.0) and h.sent[0]["prior"][0]["type"] == "EMAIL_ADDRESS"
    # The pipeline re-runs the good text: no second LLM call.
    assert det.detect(["a@b"], [prior[0]])[0][0].type == "PERSON"
    assert len(h.sent) == 3


def test_lag_hints_expire(monkeypatch):
    inst = make_extractor(Flaky())
    inst._hints = {"c1": (100.0, 0.0), "c2": (50.0, 1000.0)}
    monkeypatch.setattr(ex.time, "monotonic", lambda: 1000.0 + 1.0)
    assert inst.record_autoscaling_stats() == {"consumer_lag": 50.0}
