"""The demo's app config (the cascade by default, rules-only kept) and its per-tier accounting of
what came out of the topics (no broker, no Ray: the end-to-end run is `make demo`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.demo import DemoOptions, DemoReport, app_config, check_gold, count_outputs
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


def _src(doc_id: str, text: str, *values: tuple[str, str]) -> dict:
    spans = [{"type": t, "start": text.index(v), "end": text.index(v) + len(v)} for t, v in values]
    return {"id": doc_id, "text": text, "spans": spans}


CSV = 'id,name,card,email\n679109,"Baird, Elizabeth",2252 2231 8769 4228,mgriffin@example.com'
GOLD = (
    ("PERSON", "Baird, Elizabeth"),
    ("CREDIT_CARD", "2252 2231 8769 4228"),
    ("EMAIL_ADDRESS", "mgriffin@example.com"),
)


@pytest.mark.parametrize(
    ("published", "whole", "partly"),
    [
        # everything redacted (a masked card keeps its last digits on purpose)
        ('id,name,card,email\n679109,"[PERSON]",***************4228,[EMAIL_ADDRESS]', {}, {}),
        # the surname left beside a redacted given name: not whole, but not gone either
        ('id,name,card,email\n679109,"Baird, [PERSON]",***************4228,[EMAIL_ADDRESS]', {}, {"PERSON": 1}),
        # the name left whole; an e-mail's lower-case "com" elsewhere is not a left e-mail
        (
            'id,name,card,email\n679109,"Baird, Elizabeth",[CREDIT_CARD],[EMAIL_ADDRESS] via example.com',
            {"PERSON": 1},
            {},
        ),
        # a placeholder is not a left word ("PERSON" is not "Person"); a part of a word is not a word
        ("[PERSON] Bairds,[CREDIT_CARD],[EMAIL_ADDRESS]", {}, {}),
    ],
)
def test_gold_check_counts_values_left_whole_and_partly(published, whole, partly):
    rep = DemoReport()
    check_gold(rep, {"a": {"text": published}}, {"a": _src("a", CSV, *GOLD)})
    assert rep.gold_values == 3
    assert rep.leaks == whole
    assert rep.partial_leaks == partly


def test_gold_check_counts_repeats_and_ignores_unknown_ids():
    rep = DemoReport()
    outputs = {"a": {"text": "Baird, [PERSON]"}, "a#1": {"text": "[PERSON]"}, "zz": {"text": "Baird"}}
    check_gold(rep, outputs, {"a": _src("a", "Baird, Elizabeth", ("PERSON", "Baird, Elizabeth"))})
    assert (rep.gold_values, sum(rep.leaks.values()), rep.partial_leaks) == (2, 0, {"PERSON": 1})
