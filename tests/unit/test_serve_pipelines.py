"""MeteredPipeline / MeteredDetector: per-tier metrics around the unchanged pipeline, and a tier
that finds nothing (or a metrics fault) never turns into a failed document. No cluster: Ray's
metrics objects work in a plain process."""

from __future__ import annotations

import pytest

import workers.serve  # noqa: F401 - loopback switch before Ray is imported

pytest.importorskip("ray.serve")

from workers.config import PipelineSettings  # noqa: E402
from workers.models import Document, Failure, Result, Span  # noqa: E402
from workers.pipeline_factory import build_pipeline  # noqa: E402
from workers.serve.pipelines import MeteredPipeline  # noqa: E402
from workers.serve.telemetry import ServeMetrics  # noqa: E402


class Tier:
    """A `ner` stand-in: PERSON for 'Mr. X' (the capitalised word after it), nothing otherwise."""

    name = "ner"
    entity_types = ("PERSON",)

    def detect(self, texts, prior):
        out = []
        for t in texts:
            i = t.find("Mr. ")
            out.append([Span(start=i + 4, end=i + 9, type="PERSON", score=0.95, detector="ner")] if i >= 0 else [])
        return out


class Broken(ServeMetrics):
    def observe_detector(self, *a, **k):
        raise RuntimeError("metrics backend down")

    def observe_results(self, *a, **k):
        raise RuntimeError("metrics backend down")


@pytest.mark.parametrize("metrics_cls", [ServeMetrics, Broken])
@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("nothing to see here", None),  # no tier finds anything: 0 spans must be fine
        ("mail bob@example.com now", "bob@example.com"),
        ("call Mr. Jones today", "Jones"),
    ],
)
def test_empty_tiers_and_metric_faults_never_fail_a_document(metrics_cls, text, gone):
    p = build_pipeline(PipelineSettings(detectors=["rules", "ner"]), ner=Tier())
    mp = MeteredPipeline(p, metrics_cls(), "http")
    assert mp.detector_names == ["rules", "ner"]
    (r,) = mp.run([Document(id="d", text=text)])
    assert isinstance(r, Result), r.message if isinstance(r, Failure) else r
    assert r.detectors == ["rules", "ner"] and not r.degraded
    if gone:
        assert gone not in r.text
