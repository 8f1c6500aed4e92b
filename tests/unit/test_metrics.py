"""Detector counters in a CLI process: read from the detectors at scrape time (prometheus_client
collector), same family names as a Serve replica publishes (workers/serve/telemetry.py)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from workers import metrics
from workers.detect.base import Counter

REQ = Counter("pii_worker_llm_requests", "Engine requests by outcome", ("outcome", "ok"))
RETRIED = Counter("pii_worker_llm_requests", "Engine requests by outcome", ("outcome", "retried"))
GATED = Counter("pii_worker_llm_gated_docs", "Documents the cheap gate kept from the model")


class Counting:
    name = "llm"

    def __init__(self) -> None:
        self.values = {REQ: 0, RETRIED: 0, GATED: 0}

    def counters(self) -> list[tuple[Counter, int]]:
        return list(self.values.items())


class Silent:
    """A detector that counts nothing (the rules): ignored."""

    name = "rules"


def scrape(registry: CollectorRegistry) -> dict[str, float]:
    out = {}
    for line in generate_latest(registry).decode().splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def test_scrape_reads_the_current_cumulative_values() -> None:
    reg = CollectorRegistry()
    det = Counting()
    metrics.watch_detectors([Silent(), det], registry=reg)
    assert scrape(reg)['pii_worker_llm_requests_total{outcome="ok"}'] == 0
    det.values[REQ] = 7
    det.values[RETRIED] = 2
    det.values[GATED] = 3
    got = scrape(reg)
    assert got['pii_worker_llm_requests_total{outcome="ok"}'] == 7
    assert got['pii_worker_llm_requests_total{outcome="retried"}'] == 2
    assert got["pii_worker_llm_gated_docs_total"] == 3


def test_two_detectors_of_one_kind_add_up() -> None:
    reg = CollectorRegistry()
    a, b = Counting(), Counting()
    a.values[REQ], b.values[REQ] = 4, 5
    metrics.watch_detectors([a, b], registry=reg)
    assert scrape(reg)['pii_worker_llm_requests_total{outcome="ok"}'] == 9


def test_the_llm_detector_through_the_collector() -> None:
    from workers.detect.llm import LLMDetector, LLMSettings
    from workers.detect.llm.engines import EngineResult
    from workers.taxonomy import load_taxonomy

    class Engine:
        name = "fake"

        def generate(self, requests):
            return [EngineResult(text='{"entities": []}', prompt_tokens=11, completion_tokens=4) for _ in requests]

        def close(self) -> None:
            pass

    det = LLMDetector(load_taxonomy(), LLMSettings(), engine=Engine())
    reg = CollectorRegistry()
    metrics.watch_detectors([det], registry=reg)
    det.detect(["user Ann Lee logged in", "id 42"], [[], []])
    got = scrape(reg)
    n = det.stats.requests
    assert n >= 2
    assert got['pii_worker_llm_tokens_total{kind="prompt"}'] == 11 * n
    assert got['pii_worker_llm_tokens_total{kind="completion"}'] == 4 * n
    assert got['pii_worker_llm_requests_total{outcome="ok"}'] == n
    assert got['pii_worker_llm_routed_docs_total{route="llm"}'] == det.stats.routed
