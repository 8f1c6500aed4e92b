"""The demo's app config (the cascade by default, rules-only kept) and its per-tier accounting of
what came out of the topics (no broker, no Ray: the end-to-end run is `make demo`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.demo import DemoOptions, DemoReport, app_config, count_outputs
from workers.serve.config import CONSUMER, ENCODER, EXTRACTOR, load_config
from workers.serve.deployment import deployment_options


@pytest.mark.parametrize(
    ("kw", "detectors", "deployments"),
    [
        ({}, ["rules", "ner", "llm"], {ENCODER, EXTRACTOR, CONSUMER}),
        ({"rules_only": True}, ["rules"], {CONSUMER}),
        ({"detectors": ("rules", "ner")}, ["rules", "ner"], {ENCODER, CONSUMER}),
        ({"detectors": ("llm", "rules")}, ["rules", "llm"], {EXTRACTOR, CONSUMER}),
    ],
)
def test_demo_deploys_the_tiers_it_runs(kw, detectors, deployments, monkeypatch):
    monkeypatch.delenv("PII_WORKER_SERVE_DEVICE", raising=False)
    cfg = load_config(app_config(DemoOptions(input=Path("x"), **kw), "127.0.0.1:9092"))
    assert cfg.pipeline.detectors == detectors
    opts = deployment_options(cfg)
    assert set(opts) - {"Ingress"} == deployments
    assert all(o["ray_actor_options"]["num_gpus"] == 0 for o in opts.values())  # CPU demo
    # A degraded record is published without every detector: never unless asked for.
    assert cfg.pipeline.on_detector_error == "dead_letter"


def test_degraded_is_opt_in():
    cfg = app_config(DemoOptions(input=Path("x"), on_detector_error="degraded"), "b:1")
    assert cfg["pipeline"]["on_detector_error"] == "degraded"


def test_per_tier_counts_degraded_and_spans_from_the_topics():
    outputs = {
        "a": {"text": "x", "_pii": {"detectors": ["rules", "ner"], "degraded": False}},
        "b": {"text": "y", "_pii": {"detectors": ["rules", "ner", "llm"], "degraded": False}},
        "c": {"text": "z", "_pii": {"detectors": ["rules"], "degraded": True}},
    }
    annotations = [
        {
            "id": "a",
            "entities": [{"type": "EMAIL_ADDRESS", "detector": "rules:email"}, {"type": "PERSON", "detector": "ner"}],
        },
        {"id": "b", "entities": [{"type": "PERSON", "detector": "ner"}, {"type": "USERNAME", "detector": "llm"}]},
    ]
    rep = DemoReport()
    count_outputs(rep, outputs, annotations)
    assert rep.tier_documents == {"rules": 3, "ner": 2, "llm": 1}
    assert rep.tier_spans == {"rules": 1, "ner": 2, "llm": 1}
    assert rep.degraded == 1
    assert rep.entities["PERSON"] == 2
