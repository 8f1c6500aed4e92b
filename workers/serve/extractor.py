"""The Extractor deployment (batched LLM detection behind a DeploymentHandle) and `HandleDetector`,
the `Detector` that consumers and the HTTP ingress use to call it, so the pipeline is unchanged.

One request = one text. `@serve.batch` gathers concurrent requests from all callers into one
`detect()` call on the wrapped engine (vLLM batches them again internally); errors are isolated
per text. `max_ongoing_requests` must be >= the batch size or Ray caps every batch at it
(checked in config.py).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ray import serve

from workers.detect.base import Detector, DetectorError
from workers.models import Span
from workers.serve.autoscaling import LAG_METRIC
from workers.serve.telemetry import ServeMetrics

log = logging.getLogger(__name__)

# A consumer's lag hint older than this no longer counts (it stopped calling: lag gone or dead).
LAG_HINT_TTL_S = 30.0


def import_attr(path: str) -> Any:
    """`package.module:attr` -> attr."""
    mod, sep, attr = path.partition(":")
    if not sep or not mod or not attr:
        raise ValueError(f"expected 'module:attribute', got {path!r}")
    return getattr(importlib.import_module(mod), attr)


def llm_detector(taxonomy: str | None = None, **llm: Any) -> Detector:
    """Default extractor factory: the vLLM-backed LLM detector (workers.detect.llm) for the LLM-
    handled types of `taxonomy` (bundled default when None); `llm` = LLMSettings fields."""
    from workers.detect.llm.detector import LLMDetector
    from workers.detect.llm.settings import LLMSettings
    from workers.taxonomy import load_taxonomy

    return LLMDetector(load_taxonomy(taxonomy), LLMSettings(**llm))


def shutdown_engine(detector: Any) -> None:
    """Best effort: close whatever engine the detector holds (vLLM's LLM runs child processes)."""
    for obj in (detector, getattr(detector, "engine", None)):
        close = getattr(obj, "close", None) or getattr(obj, "shutdown", None)
        if callable(close):
            try:
                close()
                return
            except Exception:  # noqa: BLE001
                log.exception("engine close failed")
    llm = getattr(getattr(detector, "engine", None), "llm", None)
    core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
    if core is not None and callable(getattr(core, "shutdown", None)):
        try:
            core.shutdown()
        except Exception:  # noqa: BLE001
            log.exception("vLLM engine-core shutdown failed")


def build_engine_detector(factory: str, options: dict[str, Any]) -> Detector:
    det = import_attr(factory)(**options)
    if not isinstance(det, Detector):
        raise TypeError(f"{factory} returned {type(det).__name__}, which is not a Detector")
    return det


@serve.deployment
class Extractor:
    def __init__(self, factory: str, options: dict[str, Any], max_batch_size: int, batch_wait_timeout_s: float):
        t0 = time.monotonic()
        self.detector = build_engine_detector(factory, options)
        self.extract.set_max_batch_size(max_batch_size)
        self.extract.set_batch_wait_timeout_s(batch_wait_timeout_s)
        self.metrics = ServeMetrics()
        self._hints: dict[str, tuple[float, float]] = {}  # caller id -> (lag, monotonic time)
        self._hints_lock = threading.Lock()
        log.info("extractor %s ready in %.1fs", self.detector.name, time.monotonic() - t0)

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.05)
    async def extract(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each request: {"text", "prior": [span dicts], "lag_hint": (caller id, lag) | absent}.
        Each answer: {"spans": [span dicts]} or {"error": reason}."""
        for r in requests:
            hint = r.get("lag_hint")
            if hint:
                with self._hints_lock:
                    self._hints[str(hint[0])] = (float(hint[1]), time.monotonic())
        texts = [r["text"] for r in requests]
        prior = [[Span(**s) for s in r.get("prior", ())] for r in requests]
        t0 = time.monotonic()
        # The engine call blocks (GPU/CPU bound): keep the replica's event loop free for health
        # checks, metrics and queueing the next batch.
        out = await asyncio.to_thread(self._detect_isolated, texts, prior)
        self.metrics.observe_batch("extractor", len(requests), time.monotonic() - t0)
        return out

    def _detect_isolated(self, texts: list[str], prior: list[list[Span]]) -> list[dict[str, Any]]:
        """Per-text results; a failing text never fails its batch-mates."""
        results: list[dict[str, Any]] = [{} for _ in texts]
        todo = list(range(len(texts)))
        for attempt in range(2):  # second pass: the good ones of a partially failed batch
            try:
                spans = self.detector.detect([texts[i] for i in todo], [prior[i] for i in todo])
                if len(spans) != len(todo):
                    raise DetectorError(f"engine returned {len(spans)} results for {len(todo)} texts")
            except DetectorError as e:
                bad = {todo[j] for j in e.failed} if e.failed else set(todo)
                for i in bad:
                    results[i] = {"error": f"{type(e).__name__}: {e}"}
                    self.metrics.extractor_errors.inc(tags={"error_class": type(e).__name__})
                todo = [i for i in todo if i not in bad]
                if not todo or attempt == 1:
                    break
                continue
            except Exception as e:  # noqa: BLE001 - an engine crash fails this batch only
                log.exception("extractor batch failed")
                for i in todo:
                    results[i] = {"error": f"{type(e).__name__}: {e}"}
                    self.metrics.extractor_errors.inc(tags={"error_class": type(e).__name__})
                break
            for j, i in enumerate(todo):
                results[i] = {"spans": [s.model_dump() for s in spans[j]]}
            break
        for i, r in enumerate(results):
            if not r:
                results[i] = {"error": "not processed"}
        return results

    def describe(self) -> dict[str, Any]:
        import ray

        return {
            "detector": self.detector.name,
            "gpu_ids": [str(g) for g in ray.get_gpu_ids()],
            "batches": list(getattr(self.detector, "batches", []))[-1000:],
        }

    def __del__(self) -> None:
        # Serve calls this when it stops the replica: stop vLLM's engine-core and worker
        # processes too, or they outlive the actor.
        shutdown_engine(getattr(self, "detector", None))

    def record_autoscaling_stats(self) -> dict[str, float]:
        now = time.monotonic()
        with self._hints_lock:
            fresh = {k: v for k, v in self._hints.items() if now - v[1] <= LAG_HINT_TTL_S}
            self._hints = fresh
        return {LAG_METRIC: float(sum(lag for lag, _ in fresh.values()))}


class HandleDetector:
    """A `Detector` backed by the Extractor deployment. Safe to call from any non-event-loop
    thread (the consumer loop thread, or a worker thread of the HTTP ingress)."""

    def __init__(
        self,
        handle: Any,
        *,
        name: str = "llm",
        timeout_s: float = 300.0,
        lag_hint: Callable[[], tuple[str, float] | None] | None = None,
    ):
        self.name = name
        self._handle = handle
        self._timeout_s = timeout_s
        self._lag_hint = lag_hint
        # The pipeline re-runs the good texts of a partially failed batch; answer those from the
        # last call instead of paying the LLM twice.
        self._last: dict[tuple[str, tuple[Span, ...]], list[Span]] = {}

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[list[Span]]:
        keys = [(t, tuple(p)) for t, p in zip(texts, prior, strict=True)]
        hint = self._lag_hint() if self._lag_hint else None
        pending: dict[int, Any] = {}
        for i, (t, p) in enumerate(keys):
            if (t, p) not in self._last:
                req = {"text": t, "prior": [s.model_dump() for s in p]}
                if hint is not None:
                    req["lag_hint"] = hint
                pending[i] = self._handle.extract.remote(req)
        done: dict[int, list[Span]] = {}
        failed: list[int] = []
        errors: list[str] = []
        deadline = time.monotonic() + self._timeout_s
        for i, resp in pending.items():
            try:
                r = resp.result(timeout_s=max(0.1, deadline - time.monotonic()))
            except Exception as e:  # noqa: BLE001 - timeouts, replica death, cancellation
                failed.append(i)
                errors.append(f"{type(e).__name__}: {e}")
                continue
            if "error" in r:
                failed.append(i)
                errors.append(str(r["error"]))
            else:
                done[i] = [Span(**s) for s in r["spans"]]
        out = [done[i] if i in done else self._last.get(keys[i], []) for i in range(len(keys))]
        self._last = {keys[i]: out[i] for i in range(len(keys)) if i not in failed}
        if failed:
            raise DetectorError(
                f"extractor failed for {len(failed)} of {len(keys)} texts: {errors[0]}", failed=sorted(failed)
            )
        return out
