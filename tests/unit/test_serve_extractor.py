"""The batched detector deployments' logic with in-process fakes (no cluster): per-text error
isolation, the replica's timeout counted from when the engine starts a batch (queueing never
counts), the caller's back-pressure (bounded in-flight, waiting instead of timing out), router
skips and covered types across the handle. Batching through real Serve is covered by
tests/integration/test_serve_stream.py and test_serve_backpressure.py."""

from __future__ import annotations

import asyncio
import threading

import pytest

import workers.serve  # noqa: F401 - loopback switch before Ray is imported

pytest.importorskip("ray.serve")

from workers.detect.base import DetectorError, Skipped  # noqa: E402
from workers.models import Span  # noqa: E402
from workers.serve import batched as bt  # noqa: E402
from workers.serve import extractor as ex  # noqa: E402


class Flaky:
    """Fails the texts containing 'bad' (partial failure), or everything with 'crash'."""

    name = "llm"

    def __init__(self):
        self.calls: list[list[str]] = []
        self.followed: list[tuple[str, ...]] = []

    def detect(self, texts, prior):
        self.calls.append(list(texts))
        if any("crash" in t for t in texts):
            raise RuntimeError("engine died")
        bad = [i for i, t in enumerate(texts) if "bad" in t]
        if bad:
            raise DetectorError("malformed output", failed=bad)
        return [Skipped() if "skip" in t else [Span(start=0, end=len(t), type="PERSON", score=0.9, detector="llm")]
                for t in texts]

    def follow(self, earlier):
        self.followed.append(tuple(t for d in earlier for t in d.entity_types))


class Gated:
    """An engine whose calls block until the test opens the gate (a saturated or hung engine)."""

    name = "llm"

    def __init__(self):
        self.gate = threading.Event()
        self.calls = 0

    def detect(self, texts, prior):
        self.calls += 1
        self.gate.wait(10)
        return [[] for _ in texts]


def make_replica(det, timeout_s=300.0):
    inst = ex.Extractor.func_or_class.__new__(ex.Extractor.func_or_class)
    inst.detector = det
    inst.request_timeout_s = timeout_s
    inst.metrics = ex.ServeMetrics()
    inst._hints, inst._hints_lock = {}, threading.Lock()
    inst._engine = bt.ThreadPoolExecutor(max_workers=1)
    inst._running_since = None
    return inst


def test_partial_failure_isolates_the_bad_text_and_reruns_the_rest_once():
    det = Flaky()
    out = make_replica(det)._detect_isolated(["ann", "bad one", "bob"], [[], [], []])
    assert "error" in out[1] and "malformed output" in out[1]["error"]
    assert [s["end"] for s in out[0]["spans"]] == [3] and [s["end"] for s in out[2]["spans"]] == [3]
    assert det.calls == [["ann", "bad one", "bob"], ["ann", "bob"]]


def test_engine_crash_fails_only_its_batch_with_a_reason():
    out = make_replica(Flaky())._detect_isolated(["x", "crash"], [[], []])
    assert all("RuntimeError: engine died" in r["error"] for r in out)


def test_router_skip_and_covered_types_cross_the_replica():
    det = Flaky()
    rep = make_replica(det)
    reqs = [{"text": "skip me", "prior": [], "covered": ["EMAIL_ADDRESS", "PERSON"]},
            {"text": "ann", "prior": [], "covered": ["PERSON", "EMAIL_ADDRESS"]}]
    out = asyncio.run(rep._extract_batch(reqs))
    assert out[0] == {"spans": [], "skipped": True} and "skipped" not in out[1]
    assert det.followed == [("EMAIL_ADDRESS", "PERSON")]  # once per distinct covered set
    assert det.calls == [["skip me", "ann"]]  # one engine call for the group


def test_timeout_counts_from_the_engine_start_not_from_the_queue():
    """Batch A holds the engine; batch B waits behind it far longer than the timeout, then runs
    quickly: B succeeds. A, which really ran over the timeout, fails with ExtractorTimeout."""
    det = Gated()
    rep = make_replica(det, timeout_s=0.3)

    async def scenario():
        a = asyncio.ensure_future(rep._run_timed(["a"], [[]]))
        await asyncio.sleep(0.05)
        b = asyncio.ensure_future(rep._run_timed(["b"], [[]]))
        ra = await a  # times out after 0.3 s of running; the engine thread is still busy
        assert not b.done()  # B has been queued over 0.3 s already, and is not failed for it
        assert rep.engine_stuck(now=bt.time.monotonic() + 1.0)  # running far past 2x timeout
        det.gate.set()  # the engine frees up; A's late answer is dropped, B runs
        rb = await b
        return ra, rb

    ra, rb = asyncio.run(scenario())
    assert "ExtractorTimeout" in ra[0]["error"]
    assert rb == [{"spans": []}]
    assert not rep.engine_stuck()


class Response:
    """A DeploymentResponse stand-in: answers after `ready_after` polls (TimeoutError before,
    as Ray's `result(timeout_s=...)` does while the request is queued or running)."""

    def __init__(self, value=None, exc=None, ready_after=0):
        self.value, self.exc, self.left = value, exc, ready_after

    def result(self, timeout_s=None):
        if self.left > 0:
            self.left -= 1
            raise TimeoutError("not yet")
        if self.exc:
            raise self.exc
        return self.value


class FakeHandle:
    """Stands in for a DeploymentHandle: `handle.extract.remote(req)` -> response."""

    def __init__(self, answer, types=None):
        self.answer = answer
        self.sent: list[dict] = []
        self.extract = self
        self.types = types
        self.outstanding = 0
        self.peak = 0

    def remote(self, req=None):
        if req is None:  # describe.remote()
            return Response({"entity_types": self.types})
        self.sent.append(req)
        return self.answer(req)

    @property
    def describe(self):
        return self


def answer(req):
    t = req["text"]
    if "dead" in t:
        return Response(exc=RuntimeError("replica died"))
    if "bad" in t:
        return Response({"error": "DetectorError: malformed"})
    if "skip" in t:
        return Response({"spans": [], "skipped": True})
    return Response({"spans": [{"start": 0, "end": 1, "type": "PERSON", "score": 0.9, "detector": "llm"}]})


def test_handle_detector_reports_failed_indices_and_answers_the_retry_from_cache():
    h = FakeHandle(answer)
    det = ex.HandleDetector(h, lag_hint=lambda: ("c1", 42.0))
    prior = [[Span(start=0, end=1, type="EMAIL_ADDRESS", score=1.0, detector="rules:email")], [], []]
    with pytest.raises(DetectorError) as e:
        det.detect(["a@b", "bad", "dead"], prior)
    assert e.value.failed == [1, 2]
    assert h.sent[0]["lag_hint"] == ("c1", 42.0) and h.sent[0]["prior"][0]["type"] == "EMAIL_ADDRESS"
    # The pipeline re-runs the good text: no second call.
    assert det.detect(["a@b"], [prior[0]])[0][0].type == "PERSON"
    assert len(h.sent) == 3


def test_slow_answers_are_waited_for_not_timed_out():
    """Back-pressure: an answer that takes many polls (a saturated deployment) still arrives."""
    h = FakeHandle(lambda req: Response({"spans": []}, ready_after=50))
    det = ex.HandleDetector(h, poll_s=0.001, note_every_s=0.0)
    assert det.detect(["x", "y"], [[], []]) == [[], []]


def test_queue_timeout_is_opt_in():
    h = FakeHandle(lambda req: Response({"spans": []}, ready_after=10**9))
    det = ex.HandleDetector(h, queue_timeout_s=0.05, poll_s=0.01)
    with pytest.raises(DetectorError, match="queue_timeout_s"):
        det.detect(["x"], [[]])


@pytest.mark.parametrize(("n", "cap"), [(1, 1), (10, 3), (64, 64), (100, 7)])
def test_in_flight_requests_stay_bounded(n, cap):
    h = FakeHandle(None)

    def counted(req):
        h.outstanding += 1
        h.peak = max(h.peak, h.outstanding)
        resp = Response({"spans": []}, ready_after=2)
        orig = resp.result

        def result(timeout_s=None):
            v = orig(timeout_s)
            h.outstanding -= 1
            return v

        resp.result = result
        return resp

    h.answer = counted
    det = ex.HandleDetector(h, max_in_flight=cap, poll_s=0.001)
    out = det.detect([f"t{i}" for i in range(n)], [[] for _ in range(n)])
    assert len(out) == n and len(h.sent) == n
    assert h.peak == min(n, cap) == det.peak_in_flight


def test_skipped_answers_come_back_as_skipped():
    det = ex.HandleDetector(FakeHandle(answer))
    out = det.detect(["skip", "ann"], [[], []])
    assert isinstance(out[0], Skipped) and not isinstance(out[1], Skipped)


def test_covered_types_come_from_the_earlier_tiers_including_a_deployed_encoder():
    class Rules:
        name = "rules"
        entity_types = ["EMAIL_ADDRESS"]

    ner = ex.HandleDetector(FakeHandle(answer, types=["PERSON", "LOCATION"]), name="ner")
    llm_h = FakeHandle(answer)
    llm = ex.HandleDetector(llm_h, name="llm")
    llm.follow([Rules(), ner])
    llm.detect(["ann"], [[]])
    assert llm_h.sent[0]["covered"] == ["EMAIL_ADDRESS", "LOCATION", "PERSON"]


def test_an_encoder_that_cannot_say_its_types_covers_nothing_and_is_asked_again():
    class Rules:
        name = "rules"
        entity_types = ["EMAIL_ADDRESS"]

    enc = FakeHandle(answer, types=None)
    ner = ex.HandleDetector(enc, name="ner")
    llm_h = FakeHandle(answer)
    llm = ex.HandleDetector(llm_h, name="llm")
    llm.follow([Rules(), ner])
    llm.detect(["ann"], [[]])
    assert llm_h.sent[-1]["covered"] == ["EMAIL_ADDRESS"]  # asks the LLM more, never less
    enc.types = ["PERSON"]
    llm.detect(["bob"], [[]])
    assert llm_h.sent[-1]["covered"] == ["EMAIL_ADDRESS", "PERSON"]


def test_lag_hints_expire(monkeypatch):
    inst = make_replica(Flaky())
    inst._hints = {"c1": (100.0, 0.0), "c2": (50.0, 1000.0)}
    monkeypatch.setattr(bt.time, "monotonic", lambda: 1000.0 + 1.0)
    assert inst.record_autoscaling_stats() == {"consumer_lag": 50.0}
