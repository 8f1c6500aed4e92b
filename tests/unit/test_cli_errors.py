"""A user mistake gives one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TAXONOMY = """name: t
version: '1'
entities:
  - name: TICKET
    guideline: Support ticket ids like T-12345.
    detectors: [rules]
    patterns: [{{name: t, regex: '{regex}'{extra}}}]
"""


def cli(
    args: list[str], env: dict[str, str] | None = None, stdin: bytes = b"", prelude: str = ""
) -> subprocess.CompletedProcess[str]:
    code = f"import sys; {prelude}from workers.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **(env or {})},
    )


def taxonomy(tmp: Path, regex: str, extra: str = "") -> str:
    path = tmp / "tax.yaml"
    path.write_text(TAXONOMY.format(regex=regex, extra=extra))
    return str(path)


CASES = [
    # (name, argv builder, env, words the one line must hold)
    ("output dir missing", lambda t: ["redact", "-o", str(t / "no" / "such" / "out.jsonl")], {}, ["does not exist"]),
    ("output is a folder", lambda t: ["redact", "-o", str(t)], {}, ["is a directory"]),
    ("input missing", lambda t: ["redact", "-i", str(t / "absent.jsonl")], {}, ["cannot read"]),
    ("input is a folder", lambda t: ["redact", "-i", str(t)], {}, ["cannot read", ""]),
    ("taxonomy is a folder", lambda t: ["redact", "--taxonomy", str(t)], {}, ["is a directory"]),
    (
        "ner model missing",
        lambda t: ["redact", "--detectors", "rules,ner", "--ner-model", str(t / "none")],
        {},
        ["ner", "not found"],
    ),
    ("config is a folder", lambda t: ["redact", "--config", str(t)], {}, ["is a directory"]),
    ("bad detectors env", lambda t: ["redact"], {"PII_WORKER_DETECTORS": "rules,magic"}, ["detectors"]),
    ("unparseable env", lambda t: ["redact"], {"PII_WORKER_OPERATORS": "not json"}, ["operators"]),
    (
        "bad number env",
        lambda t: ["redact"],
        {"PII_WORKER_ECHO_MIN_LEN": "many"},
        ["echo_min_len", "PII_WORKER_ECHO_MIN_LEN"],
    ),
    ("short hmac key", lambda t: ["redact"], {"PII_WORKER_HMAC_KEY": "k"}, ["hmac_key", "16 bytes"]),
    (
        "lookbehind",
        lambda t: ["redact", "--taxonomy", taxonomy(t, "(?<=x)T-[0-9]+")],
        {},
        ["tax.yaml", "TICKET", "patterns.0.regex", "lookaround"],
    ),
    (
        "lookahead",
        lambda t: ["redact", "--taxonomy", taxonomy(t, "T-[0-9]+(?=x)")],
        {},
        ["tax.yaml", "TICKET", "patterns.0.regex", "lookaround"],
    ),
    (
        "backreference",
        lambda t: ["redact", "--taxonomy", taxonomy(t, "(T)-\\1")],
        {},
        ["TICKET", "patterns.0.regex", "backreference"],
    ),
    (
        "possessive",
        lambda t: ["redact", "--taxonomy", taxonomy(t, "T-[0-9]++")],
        {},
        ["TICKET", "patterns.0.regex", "possessive"],
    ),
    (
        "atomic group",
        lambda t: ["redact", "--taxonomy", taxonomy(t, "(?>T-)[0-9]+")],
        {},
        ["TICKET", "patterns.0.regex", "atomic"],
    ),
    (
        "group past the groups",
        lambda t: ["redact", "--taxonomy", taxonomy(t, "(T)-[0-9]+", ", group: 2")],
        {},
        ["TICKET", "patterns.0.group", "1 capture group"],
    ),
]


@pytest.mark.parametrize(("name", "argv", "env", "words"), CASES, ids=[c[0] for c in CASES])
def test_user_mistakes_fail_with_one_line(tmp_path: Path, name, argv, env, words) -> None:
    p = cli(argv(tmp_path), env)
    assert p.returncode != 0, (name, p.stdout)
    assert "Traceback" not in p.stderr
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, lines
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.mark.parametrize("key", ["detector", "taxonmy"])
def test_misspelt_config_keys_are_rejected_by_redact_and_run(tmp_path: Path, key: str) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"{key}: rules\ninput_topic: logs\n")  # a stream key is fine in a shared file
    for argv in (["redact", "--config", str(cfg)], ["run", "--config", str(cfg)]):
        p = cli(argv)
        assert p.returncode == 2 and "Traceback" not in p.stderr
        assert f"unknown setting(s): {key}" in p.stderr and len(p.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("flag", [["--batch-size", "0"], ["--batch-size", "-3"], ["--max-document-bytes", "0"]])
def test_non_positive_sizes_are_refused(flag: list[str]) -> None:
    p = cli(["redact", *flag])
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "must be at least 1" in p.stderr.splitlines()[-1]


def test_llm_without_the_extra_says_which_extra(tmp_path: Path) -> None:
    p = cli(
        ["redact", "--detectors", "rules,llm"],
        stdin=b'{"id": 1, "text": "x"}\n',
        prelude="sys.modules['vllm'] = None; ",
    )  # as if vllm were not installed
    assert p.returncode == 2 and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert "vllm is not installed" in lines[-1] and "extra" in lines[-1]


def test_an_internal_error_is_one_line_with_a_debug_hint(tmp_path: Path) -> None:
    p = cli(
        ["redact"],
        stdin=b'{"id": 1, "text": "x"}\n',
        prelude="import workers.lines as L; L.redact_lines = lambda *a, **k: 1 / 0; ",
    )
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "ZeroDivisionError" in p.stderr and "PII_WORKER_DEBUG=1" in p.stderr
