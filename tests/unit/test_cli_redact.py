"""`pii-worker redact` as a user runs it: a real subprocess over real bytes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", "redact", *args], input=stdin, capture_output=True, timeout=120
    )


def test_jsonl_contract_and_bad_lines_do_not_stop_processing() -> None:
    lines = [
        b'{"id": "a", "text": "mail bob@example.org from 10.0.0.1", "service": "api"}',
        b"not json at all: carol@example.org",
        b'{"id": "c"}',
        b'{"id": "d", "text": 42}',
        b"\xff\xfe dave@example.org",
        b'["a list"]',
        b'{"text": "no id, card 4111111111111111"}',
    ]
    p = run([], b"\n".join(lines) + b"\n")
    assert p.returncode == 0, p.stderr
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(out) == 7
    first = out[0]
    assert first["id"] == "a" and first["service"] == "api"
    assert first["text"] == "mail [EMAIL_ADDRESS] from [IP_ADDRESS]"
    src = "mail bob@example.org from 10.0.0.1"
    assert [(e["type"], src[e["start"] : e["end"]]) for e in first["entities"]] == [
        ("EMAIL_ADDRESS", "bob@example.org"),
        ("IP_ADDRESS", "10.0.0.1"),
    ]
    errors = {o["error"]["line"]: o for o in out if "error" in o}
    assert sorted(errors) == [2, 3, 4, 5, 6]
    assert errors[2]["error"]["class"] == "InvalidJson" and errors[5]["error"]["class"] == "InvalidUtf8"
    assert "invalid JSON" in errors[2]["error"]["message"]
    assert errors[3]["id"] == "c" and "missing field" in errors[3]["error"]["message"]
    assert "must be a string" in errors[4]["error"]["message"]
    assert "UTF-8" in errors[5]["error"]["message"]
    assert out[6]["id"] == "7" and "4111111111111111" not in out[6]["text"]
    # No unredacted value anywhere in the output, including error records.
    for secret in [b"bob@example.org", b"carol@example.org", b"dave@example.org", b"4111111111111111"]:
        assert secret not in p.stdout
    assert b"5 errors" in p.stderr


def test_text_mode_keeps_line_alignment() -> None:
    p = run(
        ["--format", "text", "--max-document-bytes", "40"],
        b"hi bob@example.org\n\xff broken\n\n   \nssn 123-45-6789\n" + b"x" * 100 + b"\nlast a@b.co",
    )
    assert p.returncode == 0
    assert p.stdout.decode().splitlines() == [
        "hi [EMAIL_ADDRESS]",
        "[pii-worker error: line 2 ingest: invalid UTF-8 at byte 0]",
        "",
        "   ",
        "ssn [US_SSN]",
        "[pii-worker error: line 6 ingest: document is 100 bytes, limit is 40 (max_document_bytes)]",
        "last [EMAIL_ADDRESS]",
    ]


def test_every_string_in_the_record_is_redacted() -> None:
    rec = {
        "id": "x",
        "text": "x",
        "user_email": "a@b.com",
        "meta": {"ssn": "078-05-1121"},
        "items": [{"email": "c@example.org"}],
        "n": 123456789012345678901234567890,
    }
    p = run([], json.dumps(rec).encode() + b"\n")
    out = json.loads(p.stdout)
    assert out["user_email"] == "[EMAIL_ADDRESS]" and out["meta"] == {"ssn": "[US_SSN]"}
    assert out["items"] == [{"email": "[EMAIL_ADDRESS]"}] and out["n"] == rec["n"]
    assert {e["field"] for e in out["entities"]} == {"user_email", "meta.ssn", "items[0].email"}
    for secret in (b"a@b.com", b"078-05-1121", b"c@example.org"):
        assert secret not in p.stdout


def test_custom_taxonomy_and_bad_taxonomy(tmp_path: Path) -> None:
    tax = tmp_path / "t.yaml"
    tax.write_text(
        "name: t\nversion: '7'\nentities:\n  - name: TICKET\n    guideline: Support ticket ids like T-12345.\n"
        "    detectors: [rules]\n    patterns: [{name: t, regex: 'T-\\d{5}'}]\n"
    )
    p = run(["--taxonomy", str(tax)], b'{"id":"1","text":"T-12345 by bob@example.org"}\n')
    assert json.loads(p.stdout)["text"] == "[TICKET] by bob@example.org"
    tax.write_text("name: t\nversion: '7'\nentities:\n  - name: TICKET\n    detectors: [rules]\n")
    p = run(["--taxonomy", str(tax)], b"")
    assert p.returncode == 2
    assert str(tax).encode() in p.stderr and b"TICKET" in p.stderr and b"guideline" in p.stderr


def test_pseudonym_without_key_refuses_to_start(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("operators:\n  EMAIL_ADDRESS: {kind: pseudonym}\n")
    p = run(["--config", str(cfg)], b'{"id":"1","text":"x"}\n')
    assert p.returncode == 2 and b"no HMAC key" in p.stderr
    p = subprocess.run(
        [sys.executable, "-m", "workers.cli", "redact", "--config", str(cfg)],
        input=b'{"id":"1","text":"a bob@example.org b bob@example.org"}\n',
        capture_output=True,
        env={**__import__("os").environ, "PII_WORKER_HMAC_KEY": "k" * 16},
        timeout=120,
    )
    text = json.loads(p.stdout)["text"]
    tokens = text.split()
    assert tokens[1] == tokens[3] and tokens[1].startswith("[EMAIL_ADDRESS:")
