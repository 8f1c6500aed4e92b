"""The Serve path builds the same pipeline as the CLI: the demo's app config, the encoder reached
through a handle (one `@serve.batch`-like batch per round of requests, spans serialised across
the handle), against `build_pipeline` in process, on the bundled sample logs with the real
Rampart encoder. A difference here would make the demo and `pii-worker redact` disagree on the
same documents. No Ray cluster: the handle is a local stand-in for the replica's own batch code.
Needs `pii-worker model fetch rampart` (part of `make test`'s setup)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import workers.serve  # noqa: F401 - loopback switch before Ray is imported

pytest.importorskip("ray.serve")

from workers.config import PipelineSettings  # noqa: E402
from workers.demo import DemoOptions, app_config  # noqa: E402
from workers.detect.ner import NerModelError  # noqa: E402
from workers.models import Document, Result  # noqa: E402
from workers.pipeline_factory import build_pipeline  # noqa: E402
from workers.serve.batched import BatchedDetectorReplica  # noqa: E402
from workers.serve.config import load_config  # noqa: E402
from workers.serve.pipelines import build_serve_pipeline  # noqa: E402
from workers.settings import load_settings  # noqa: E402

pytestmark = [pytest.mark.ner]

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "logs.jsonl"


class _Pending:
    def __init__(self, handle: LocalHandle, req: dict[str, Any]):
        self.handle, self.req, self.answer = handle, req, None

    def result(self, timeout_s: float | None = None) -> dict[str, Any]:
        if self.answer is None:
            self.handle.flush()
        assert self.answer is not None
        return self.answer


class _Ready:
    def __init__(self, value: Any):
        self.value = value

    def result(self, timeout_s: float | None = None) -> Any:
        return self.value


class _Method:
    def __init__(self, fn: Any):
        self.remote = fn


class LocalHandle:
    """A deployment handle whose requests queue until an answer is awaited; then every queued
    request runs as one batch through the replica's `_extract_batch`, as `@serve.batch` does."""

    def __init__(self, replica: BatchedDetectorReplica):
        self.replica = replica
        self.queue: list[_Pending] = []
        self.batches: list[int] = []
        self.extract = _Method(self._extract)
        self.describe = _Method(lambda: _Ready({"entity_types": list(replica.detector.entity_types)}))

    def _extract(self, req: dict[str, Any]) -> _Pending:
        # Through JSON, as a request crosses processes: nothing may depend on shared objects.
        p = _Pending(self, json.loads(json.dumps(req)))
        self.queue.append(p)
        return p

    def flush(self) -> None:
        batch, self.queue = self.queue, []
        self.batches.append(len(batch))
        answers = asyncio.run(self.replica._extract_batch([p.req for p in batch]))
        for p, a in zip(batch, answers, strict=True):
            p.answer = json.loads(json.dumps(a))


def _docs(n: int) -> list[Document]:
    docs = []
    with open(SAMPLES, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs.append(Document(id=d["id"], text=d["text"]))  # what the demo produces: id + text
            if len(docs) == n:
                break
    return docs


def _view(r: Any) -> tuple[str, list[tuple[int, int, str, float, str]], list[str]]:
    assert isinstance(r, Result), r
    return r.text, [(s.start, s.end, s.type, s.score, s.detector) for s in r.entities], r.detectors


@pytest.mark.parametrize("max_in_flight", [7, 256])  # batches split by the caller's window, or whole
def test_serve_pipeline_redacts_the_demo_documents_exactly_like_the_cli(max_in_flight, monkeypatch):
    monkeypatch.delenv("PII_WORKER_SERVE_DEVICE", raising=False)
    cfg = load_config(app_config(DemoOptions(input=SAMPLES, detectors=("rules", "ner")), "127.0.0.1:9"))
    cfg = cfg.model_copy(update={"encoder": cfg.encoder.model_copy(update={"max_in_flight": max_in_flight})})
    replica = BatchedDetectorReplica()
    try:
        replica._setup(cfg.encoder.factory, cfg.encoder_options, cfg.encoder.request_timeout_s)
    except NerModelError as e:
        pytest.fail(f"{e} (the test setup runs `pii-worker model fetch rampart`)")
    handle = LocalHandle(replica)
    serve_path = build_serve_pipeline(cfg, encoder_handle=handle)
    cli_path = build_pipeline(load_settings(PipelineSettings, detectors=["rules", "ner"]))
    assert serve_path.detector_names == cli_path.detector_names == ["rules", "ner"]

    docs = _docs(60)
    served = [_view(r) for r in serve_path.run(docs)]
    local = [_view(r) for r in cli_path.run(docs)]
    assert max(handle.batches) <= max_in_flight and sum(handle.batches) == len(docs)
    for d, a, b in zip(docs, served, local, strict=True):
        assert a == b, d.id
    # the demo's documents hold names the encoder finds: the comparison is not of empty answers
    assert sum(1 for _, ents, _ in served for e in ents if e[4] == "ner") >= 5
