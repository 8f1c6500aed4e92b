"""What the Extractor (LLM) and Encoder (NER) deployments share: a `Detector` behind a batched
Serve deployment, and `HandleDetector`, the `Detector` callers use to reach one through its handle.

Replica side (`BatchedDetectorReplica`): one request = one text. `@serve.batch` (declared on each
deployment class) gathers concurrent requests from all callers into one `detect()` call, whose
per-text outcomes (spans, skipped, failed) go back one per request; a crash fails that batch's
texts only. The replica publishes the detector's counters (`Counted`) and its outcomes through
ray.serve.metrics, and closes it (`Closeable`) when Serve stops the replica. Engine calls run one
at a time on the replica's own engine thread. A call's timeout (`request_timeout_s`) starts when
that thread starts the call, so time spent queued (at the caller's router, in the batch queue,
behind the previous batch) never counts against it.

Caller side (`HandleDetector`): back-pressure. A caller keeps at most `max_in_flight` requests
outstanding and waits for its answers as long as the deployment is alive: a saturated tier makes
the stream lag (the consumer loop does not poll while its batch is in the pipeline), it does not
turn requests into timeouts and records into `degraded` ones. Only a replica's own timeout, a
dead replica, or an explicit `queue_timeout_s` fail a request.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from workers.detect.base import Closeable, Counted, DetectFailure, Detection, Detector, DetectorError, Skipped
from workers.models import Span
from workers.serve.autoscaling import LAG_METRIC
from workers.serve.telemetry import ServeMetrics, Stage

log = logging.getLogger(__name__)

# A consumer's lag hint older than this no longer counts (it stopped calling: lag gone or dead).
LAG_HINT_TTL_S = 30.0


class ExtractorTimeout(DetectorError):
    """An engine call ran longer than request_timeout_s (counted from its start)."""


def import_attr(path: str) -> Any:
    """`package.module:attr` -> attr."""
    mod, sep, attr = path.partition(":")
    if not sep or not mod or not attr:
        raise ValueError(f"expected 'module:attribute', got {path!r}")
    return getattr(importlib.import_module(mod), attr)


def build_engine_detector(factory: str, options: dict[str, Any]) -> Detector:
    det = import_attr(factory)(**options)
    if not isinstance(det, Detector):
        raise TypeError(f"{factory} returned {type(det).__name__}, which is not a Detector")
    return det


def close_detector(detector: Any) -> None:
    """Best effort at shutdown: close what the detector holds (vLLM's engine runs child processes)."""
    if isinstance(detector, Closeable):
        try:
            detector.close()
        except Exception:  # noqa: BLE001 - the replica is going away either way
            log.exception("closing the %s detector failed", getattr(detector, "name", "?"))


class _Covers:
    """Stands for the earlier tiers (which live in the callers) when telling a routing detector
    what they cover: `follow()` reads only `entity_types`."""

    def __init__(self, types: Sequence[str]):
        self.name = "earlier"
        self.entity_types = tuple(types)


class BatchedDetectorReplica:
    """Base of the batched detector deployments (not a deployment itself). Subclasses declare
    `@serve.batch async def extract(self, requests)` returning `await self._extract_batch(requests)`."""

    stage: Stage = "extractor"

    def _setup(self, factory: str, options: dict[str, Any], request_timeout_s: float = 300.0) -> None:
        from workers.cpu import configure_threads

        configure_threads()  # before the engine starts: vLLM reads the binding once, at start-up
        t0 = time.monotonic()
        self.detector = build_engine_detector(factory, options)
        self.request_timeout_s = float(request_timeout_s)
        self.metrics = ServeMetrics()
        self._hints: dict[str, tuple[float, float]] = {}  # caller id -> (lag, monotonic time)
        self._hints_lock = threading.Lock()
        # One engine thread: engines (vLLM's LLM, an onnxruntime session with its own thread pool)
        # are not meant to run two batches at once, and a batch abandoned after its timeout must
        # not overlap the next one; the next one queues behind it and its clock starts later.
        self._engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pii-{self.stage}-engine")
        self._running_since: float | None = None
        log.info("%s %s ready in %.1fs", self.stage, self.detector.name, time.monotonic() - t0)

    async def _extract_batch(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each request: {"text", "prior": [span dicts], "lag_hint": (caller id, lag) | absent}.
        Each answer: {"spans": [span dicts]} or {"error": reason}."""
        for r in requests:
            hint = r.get("lag_hint")
            if hint:
                with self._hints_lock:
                    self._hints[str(hint[0])] = (float(hint[1]), time.monotonic())
        t0 = time.monotonic()
        # Callers say which types the tiers before this one cover (the cascade router asks the
        # LLM about those only where they were unsure); one pipeline config gives one set, but
        # group anyway so two apps sharing a deployment never mix.
        groups: dict[tuple[str, ...] | None, list[int]] = {}
        for i, r in enumerate(requests):
            cov = r.get("covered")
            groups.setdefault(tuple(sorted(cov)) if cov is not None else None, []).append(i)
        out: list[dict[str, Any]] = [{} for _ in requests]
        for covered, idx in groups.items():
            texts = [requests[i]["text"] for i in idx]
            prior = [[Span(**s) for s in requests[i].get("prior", ())] for i in idx]
            for i, ans in zip(idx, await self._run_timed(texts, prior, covered), strict=True):
                out[i] = ans
        self.metrics.observe_batch(self.stage, len(requests), time.monotonic() - t0)
        return out

    def _follow(self, covered: tuple[str, ...] | None) -> None:
        """Tell a routing detector (the LLM) which types the earlier tiers cover."""
        follow = getattr(self.detector, "follow", None)
        if covered is None or not callable(follow) or covered == getattr(self, "_covered", None):
            return
        follow([_Covers(covered)])
        self._covered = covered

    async def _run_timed(
        self, texts: list[str], prior: list[list[Span]], covered: tuple[str, ...] | None = None
    ) -> list[dict[str, Any]]:
        """Run one batch on the engine thread; its clock starts when the thread picks it up.
        The event loop stays free for health checks, metrics and queueing the next batch."""
        loop = asyncio.get_running_loop()
        started = asyncio.Event()

        def job() -> list[dict[str, Any]]:
            self._running_since = time.monotonic()
            loop.call_soon_threadsafe(started.set)
            try:
                self._follow(covered)
                return self._answers(texts, prior)
            finally:
                self._running_since = None

        fut = asyncio.wrap_future(self._engine.submit(job))
        waiter: asyncio.Future[Any] = asyncio.ensure_future(started.wait())
        await asyncio.wait([fut, waiter], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout=self.request_timeout_s)
        except TimeoutError:
            # The engine thread cannot be interrupted; it finishes (or hangs) on its own, and a
            # replica whose engine hangs is reported unhealthy (check_health) and replaced.
            err = ExtractorTimeout(f"{self.detector.name} engine call ran over {self.request_timeout_s:g}s")
            self.metrics.extractor_errors.inc(len(texts), tags={"error_class": type(err).__name__})
            log.error("%s", err)
            return [{"error": str(err), "error_class": type(err).__name__} for _ in texts]

    def _answers(self, texts: list[str], prior: list[list[Span]]) -> list[dict[str, Any]]:
        """One detect() call; one answer per text: {"spans": [...]} (+ "skipped": true when the
        router kept it from the engine) or {"error", "error_class"}. A failing text never fails
        its batch-mates; a crash fails this batch only."""
        try:
            outcomes: Sequence[Detection] = self.detector.detect(texts, prior)
            if len(outcomes) != len(texts):
                raise DetectorError(f"{self.detector.name} returned {len(outcomes)} results for {len(texts)} texts")
        except Exception as e:  # noqa: BLE001 - an engine crash fails this batch only
            log.exception("%s batch failed", self.stage)
            outcomes = [DetectFailure(str(e), type(e).__name__)] * len(texts)
        answers: list[dict[str, Any]] = []
        for o in outcomes:
            if isinstance(o, DetectFailure):
                answers.append({"error": o.reason, "error_class": o.error_class})
                self.metrics.extractor_errors.inc(tags={"error_class": o.error_class})
            else:
                a: dict[str, Any] = {"spans": [s.model_dump() for s in o]}
                if isinstance(o, Skipped):
                    a["skipped"] = True  # a decision, not a failure
                answers.append(a)
        try:
            self.metrics.observe_answers(self.detector.name, answers)
            if isinstance(self.detector, Counted):
                self.metrics.publish_counters(self.detector.counters())
        except Exception:  # noqa: BLE001 - metrics never decide a document's fate
            log.exception("recording %s replica metrics failed", self.stage)
        return answers

    def engine_stuck(self, now: float | None = None) -> bool:
        """True when the running engine call has gone on for twice its timeout: it already
        failed its requests once, and everything queued behind it waits on a hung engine."""
        since = self._running_since
        now = time.monotonic() if now is None else now
        return since is not None and now - since > 2 * self.request_timeout_s

    def check_health(self) -> None:
        if self.engine_stuck():
            raise RuntimeError(f"{self.stage} engine call running for over {2 * self.request_timeout_s:g}s")

    def describe(self) -> dict[str, Any]:
        import ray

        types = getattr(self.detector, "entity_types", None)
        return {
            "detector": self.detector.name,
            "entity_types": sorted(types) if types is not None else None,
            "gpu_ids": [str(g) for g in ray.get_gpu_ids()],
            "batches": list(getattr(self.detector, "batches", []))[-1000:],
        }

    def record_autoscaling_stats(self) -> dict[str, float]:
        now = time.monotonic()
        with self._hints_lock:
            fresh = {k: v for k, v in self._hints.items() if now - v[1] <= LAG_HINT_TTL_S}
            self._hints = fresh
        return {LAG_METRIC: float(sum(lag for lag, _ in fresh.values()))}

    def __del__(self) -> None:
        # Serve calls this when it stops the replica: stop the engine's processes too (vLLM's
        # engine core and workers would outlive the actor).
        close_detector(getattr(self, "detector", None))
        engine = getattr(self, "_engine", None)
        if engine is not None:
            engine.shutdown(wait=False, cancel_futures=True)


class HandleDetector:
    """A `Detector` backed by a batched detector deployment (Extractor or Encoder). Safe to call
    from any non-event-loop thread (the consumer loop thread, a worker thread of the ingress)."""

    def __init__(
        self,
        handle: Any,
        *,
        name: str = "llm",
        queue_timeout_s: float | None = None,
        max_in_flight: int = 64,
        lag_hint: Callable[[], tuple[str, float] | None] | None = None,
        poll_s: float = 5.0,
        note_every_s: float = 60.0,
    ):
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be >= 1")
        self.name = name
        self._handle = handle
        self._queue_timeout_s = queue_timeout_s
        self._max_in_flight = max_in_flight
        self._lag_hint = lag_hint
        self._poll_s = poll_s
        self._note_every_s = note_every_s
        # Most requests this caller had outstanding at once (tests, /healthz).
        self.peak_in_flight = 0
        self._earlier: list[Any] | None = None
        self._covered: tuple[str, ...] | None = None
        self._entity_types: tuple[str, ...] | None = None

    def follow(self, earlier: Sequence[Any]) -> None:
        """Called by the Pipeline with the detectors before this one (see LLMDetector.follow).
        The deployed detector learns their types with every request; worked out on first use,
        not here: the Pipeline is built in a replica's constructor, where a blocking handle
        call is not allowed."""
        self._earlier = list(earlier)
        self._covered = None

    def _covered_types(self) -> tuple[str, ...] | None:
        if self._earlier is None:
            return None
        if self._covered is not None:
            return self._covered
        from workers.detect.llm.route import covered_types

        covered = tuple(sorted(covered_types(self._earlier)))
        # Remember it only once every earlier tier could say what it covers (a deployment that
        # did not answer yet is asked again next batch).
        if all(getattr(d, "entity_types", None) is not None for d in self._earlier):
            self._covered = covered
        return covered

    @property
    def entity_types(self) -> tuple[str, ...] | None:
        """The types the deployed detector produces (asked once; None if it cannot say, which
        makes a later router treat them as uncovered: it asks the LLM more, never less)."""
        if self._entity_types is None:
            try:
                info = self._handle.describe.remote().result(timeout_s=60)
            except Exception as e:  # noqa: BLE001 - not fatal: the router errs on asking more
                log.warning("cannot ask the %s deployment for its entity types: %s", self.name, e)
                return None
            types = info.get("entity_types")
            if types is None:
                return None
            self._entity_types = tuple(types)
        return self._entity_types

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[Detection]:
        """One outcome per text: the deployment's spans (or skip), or a `DetectFailure` for a text
        whose request failed (replica error, replica death, `queue_timeout_s`)."""
        if len(prior) != len(texts):
            raise ValueError("prior must have one entry per text")
        hint = self._lag_hint() if self._lag_hint else None
        covered = self._covered_types()
        queue = deque(range(len(texts)))
        in_flight: deque[tuple[int, Any, float]] = deque()
        out: list[Detection] = [DetectFailure(f"{self.name} deployment gave no answer")] * len(texts)

        def send() -> None:
            while queue and len(in_flight) < self._max_in_flight:
                i = queue.popleft()
                req: dict[str, Any] = {"text": texts[i], "prior": [s.model_dump() for s in prior[i]]}
                if hint is not None:
                    req["lag_hint"] = hint
                if covered is not None:
                    req["covered"] = list(covered)
                in_flight.append((i, self._handle.extract.remote(req), time.monotonic()))
            self.peak_in_flight = max(self.peak_in_flight, len(in_flight))

        send()
        while in_flight:
            i, resp, sent = in_flight.popleft()
            try:
                r = self._await(resp, sent, pending=len(in_flight) + 1 + len(queue))
            except Exception as e:  # noqa: BLE001 - replica death, cancellation, queue_timeout_s
                out[i] = DetectFailure(f"{self.name} deployment: {e}", type(e).__name__)
            else:
                if "error" in r:
                    out[i] = DetectFailure(str(r["error"]), str(r.get("error_class") or "DetectorError"))
                else:
                    spans = [Span(**s) for s in r["spans"]]
                    out[i] = Skipped(spans) if r.get("skipped") else spans
            send()
        return out

    def _await(self, resp: Any, sent: float, pending: int) -> dict[str, Any]:
        """One answer. Waits in slices so a long wait is visible in the log; gives up only on a
        real error or when `queue_timeout_s` (if set) has passed since the request was sent."""
        next_note = sent + self._note_every_s
        while True:
            slice_s = self._poll_s
            if self._queue_timeout_s is not None:
                left = sent + self._queue_timeout_s - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"no answer from the {self.name} deployment within queue_timeout_s={self._queue_timeout_s:g}"
                    )
                slice_s = min(slice_s, left)
            try:
                return dict(resp.result(timeout_s=slice_s))
            except TimeoutError:
                now = time.monotonic()
                if now >= next_note:
                    next_note = now + self._note_every_s
                    log.info(
                        "waiting for the %s deployment: %d requests pending, oldest sent %.0fs ago "
                        "(back-pressure: this caller fetches nothing new meanwhile)",
                        self.name,
                        pending,
                        now - sent,
                    )
