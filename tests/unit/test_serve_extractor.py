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

from workers.detect.base import Counter, DetectFailure, Skipped  # noqa: E402
from workers.models import Span  # noqa: E402
from workers.serve import batched as bt  # noqa: E402
from workers.serve import extractor as ex  # noqa: E402
from workers.serve import telemetry  # noqa: E402


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
        return [
            DetectFailure("malformed output", "MalformedOutput")
            if "bad" in t
            else Skipped()
            if "skip" in t
            else [Span(start=0, end=len(t), type="PERSON", score=0.9, detector="llm")]
            for t in texts
        ]

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


def test_partial_failure_isolates_the_bad_text_in_one_call():
    det = Flaky()
    out = make_replica(det)._answers(["ann", "bad one", "bob"], [[], [], []])
    assert out[1] == {"error": "malformed output", "error_class": "MalformedOutput"}
    assert [s["end"] for s in out[0]["spans"]] == [3] and [s["end"] for s in out[2]["spans"]] == [3]
    assert det.calls == [["ann", "bad one", "bob"]]  # the good texts are never asked again


def test_engine_crash_fails_only_its_batch_with_a_reason():
    out = make_replica(Flaky())._answers(["x", "crash"], [[], []])
    assert out == [{"error": "engine died", "error_class": "RuntimeError"}] * 2


def test_a_wrong_answer_count_fails_the_batch():
    class Short(Flaky):
        def detect(self, texts, prior):
            return super().detect(texts, prior)[:-1]

    out = make_replica(Short())._answers(["a", "b"], [[], []])
    assert all(r["error_class"] == "DetectorError" and "1 results for 2" in r["error"] for r in out)


def test_router_skip_and_covered_types_cross_the_replica():
    det = Flaky()
    rep = make_replica(det)
    reqs = [
        {"text": "skip me", "prior": [], "covered": ["EMAIL_ADDRESS", "PERSON"]},
        {"text": "ann", "prior": [], "covered": ["PERSON", "EMAIL_ADDRESS"]},
    ]
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
    assert ra[0]["error_class"] == "ExtractorTimeout" and "ran over" in ra[0]["error"]
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
        return Response({"error": "malformed", "error_class": "MalformedOutput"})
    if "skip" in t:
        return Response({"spans": [], "skipped": True})
    return Response({"spans": [{"start": 0, "end": 1, "type": "PERSON", "score": 0.9, "detector": "llm"}]})


def test_handle_detector_answers_per_text_outcomes_in_one_pass():
    h = FakeHandle(answer)
    det = ex.HandleDetector(h, lag_hint=lambda: ("c1", 42.0))
    prior = [[Span(start=0, end=1, type="EMAIL_ADDRESS", score=1.0, detector="rules:email")], [], []]
    ok, bad, dead = det.detect(["a@b", "bad", "dead"], prior)
    assert isinstance(ok, list) and ok[0].type == "PERSON"
    assert bad == DetectFailure("malformed", "MalformedOutput")
    assert isinstance(dead, DetectFailure) and dead.error_class == "RuntimeError" and "replica died" in dead.reason
    assert h.sent[0]["lag_hint"] == ("c1", 42.0) and h.sent[0]["prior"][0]["type"] == "EMAIL_ADDRESS"
    assert len(h.sent) == 3  # one request per text, none repeated


def test_handle_detector_through_the_pipeline_fails_closed_per_text():
    from workers.detect.rules import RulesDetector
    from workers.models import Document, Failure, Result
    from workers.pipeline import Pipeline
    from workers.redact import Redactor
    from workers.taxonomy import load_taxonomy

    tax = load_taxonomy()
    h = FakeHandle(answer)
    p = Pipeline(tax, [RulesDetector(tax), ex.HandleDetector(h)], Redactor(tax))
    good, bad, dead = p.run([Document(id=str(i), text=t) for i, t in enumerate(["ann", "bad x", "dead y"])])
    assert isinstance(good, Result) and good.detectors == ["rules", "llm"]
    assert isinstance(bad, Failure) and bad.message == "llm: MalformedOutput: malformed"
    assert isinstance(dead, Failure) and dead.message.startswith("llm: RuntimeError: ")
    assert len(h.sent) == 3


def test_slow_answers_are_waited_for_not_timed_out():
    """Back-pressure: an answer that takes many polls (a saturated deployment) still arrives."""
    h = FakeHandle(lambda req: Response({"spans": []}, ready_after=50))
    det = ex.HandleDetector(h, poll_s=0.001, note_every_s=0.0)
    assert det.detect(["x", "y"], [[], []]) == [[], []]


def test_queue_timeout_is_opt_in():
    h = FakeHandle(lambda req: Response({"spans": []}, ready_after=10**9))
    det = ex.HandleDetector(h, queue_timeout_s=0.05, poll_s=0.01)
    [out] = det.detect(["x"], [[]])
    assert isinstance(out, DetectFailure) and out.error_class == "TimeoutError" and "queue_timeout_s" in out.reason


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


# --- lifecycle and counters on the replica ---------------------------------------------------


class RecordingCounter:
    """Stands in for ray.serve.metrics.Counter: records increments (Ray rejects inc(0) too)."""

    made: list[RecordingCounter] = []

    def __init__(self, name, description="", tag_keys=None):
        self.name, self.tag_keys, self.incs = name, tag_keys, []
        RecordingCounter.made.append(self)

    def inc(self, value=1.0, tags=None):
        if value <= 0:
            raise ValueError("value must be >0")
        self.incs.append((value, dict(tags or {})))


class CountingLLM(Flaky):
    """Counts requests like the LLM detector does: cumulative values, published by the host."""

    REQ = Counter("pii_worker_llm_requests", "requests", ("outcome", "ok"))
    GATED = Counter("pii_worker_llm_gated_docs", "gated")

    def __init__(self):
        super().__init__()
        self.requests = 0
        self.closed = 0

    def detect(self, texts, prior):
        self.requests += len(texts)
        return super().detect(texts, prior)

    def counters(self):
        return [(self.REQ, self.requests), (self.GATED, 0)]

    def close(self):
        self.closed += 1


def test_replica_publishes_counter_growth_and_outcomes(monkeypatch):
    monkeypatch.setattr(telemetry.metrics, "Counter", RecordingCounter)
    RecordingCounter.made = []
    det = CountingLLM()
    rep = make_replica(det)
    rep._answers(["ann", "bad", "skip"], [[], [], []])
    rep._answers(["bob"], [[]])
    by_name = {c.name: c for c in RecordingCounter.made}
    # Cumulative 3 then 4: published as +3, +1; a series that never grew is never incremented.
    assert by_name["pii_worker_llm_requests"].incs == [(3, {"outcome": "ok"}), (1, {"outcome": "ok"})]
    assert by_name["pii_worker_llm_requests"].tag_keys == ("outcome",)
    assert "pii_worker_llm_gated_docs" not in by_name
    docs = by_name["pii_worker_deployment_documents"].incs
    assert sorted((t["outcome"], n) for n, t in docs) == [("failed", 1), ("ran", 1), ("ran", 1), ("skipped", 1)]
    assert by_name["pii_worker_deployment_spans"].incs == [(1, {"detector": "llm"}), (1, {"detector": "llm"})]


def test_a_metrics_fault_never_fails_the_answers(monkeypatch):
    rep = make_replica(CountingLLM())
    monkeypatch.setattr(rep.metrics, "publish_counters", lambda samples: 1 / 0)
    out = rep._answers(["ann"], [[]])
    assert "spans" in out[0]


def test_replica_shutdown_closes_the_detector_and_survives_a_failing_close():
    det = CountingLLM()
    rep = make_replica(det)
    rep.__del__()
    assert det.closed == 1

    class Stubborn(CountingLLM):
        def close(self):
            raise RuntimeError("engine core already gone")

    ex.close_detector(Stubborn())  # logged, not raised
    ex.close_detector(Flaky())  # nothing to close
