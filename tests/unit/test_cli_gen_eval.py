"""`pii-worker gen` and `pii-worker eval` end to end on small inputs (rules only, in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workers.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_gen_writes_gold_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "g.jsonl"
    assert main(["gen", "--n", "5", "--seed", "3", "--format", "kv", "--format", "sql", "-o", str(out)]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 5 and {r["format"] for r in rows} <= {"kv", "sql"}
    for r in rows:
        for s in r["spans"]:
            assert set(s) == {"type", "start", "end"} and 0 <= s["start"] < s["end"] <= len(r["text"])


def test_eval_json_on_generated_gold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = tmp_path / "g.jsonl"
    main(["gen", "--n", "30", "--seed", "1", "-o", str(gold)])
    capsys.readouterr()
    assert main(["eval", "--gold", str(gold), "--json", "--types", "EMAIL_ADDRESS,US_SSN,IBAN_CODE"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["docs"] == 30 and rep["failures"] == 0
    assert set(rep["per_type"]) <= {"EMAIL_ADDRESS", "US_SSN", "IBAN_CODE"}
    assert rep["span"]["overlap"]["gold"] > 0
    for key in ("value_leak_rate", "char_leak_rate", "over_redaction_rate"):
        assert rep[key] is None or 0.0 <= rep[key] <= 1.0


def test_eval_predictions_mode_scores_redact_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = tmp_path / "g.jsonl"
    gold.write_text(
        json.dumps(
            {"id": "a", "text": "mail bob@example.com now", "spans": [{"type": "EMAIL_ADDRESS", "start": 5, "end": 20}]}
        )
        + "\n"
    )
    preds = tmp_path / "p.jsonl"
    preds.write_text(
        json.dumps(
            {
                "id": "a",
                "text": "mail <EMAIL_ADDRESS> now",
                "entities": [{"type": "EMAIL_ADDRESS", "start": 5, "end": 20, "score": 1.0}],
            }
        )
        + "\n"
    )
    assert main(["eval", "--gold", str(gold), "--predictions", str(preds), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["span"]["exact"]["f1"] == 1.0 and rep["value_leak_rate"] == 0.0


def test_bundled_sample_has_gold_spans() -> None:
    rows = [json.loads(x) for x in (ROOT / "samples" / "logs.jsonl").read_text().splitlines()]
    assert len(rows) >= 150
    assert all(r["text"][s["start"] : s["end"]] for r in rows for s in r["spans"])
