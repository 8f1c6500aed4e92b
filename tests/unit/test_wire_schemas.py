from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from workers.messages import schema_files

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_schemas_match_models() -> None:
    for fname, text in schema_files().items():
        path = ROOT / "schemas" / fname
        assert path.exists(), f"{fname} missing: run python -m workers.messages"
        assert path.read_text() == text, f"{fname} drifted from workers/messages.py: run python -m workers.messages"


def test_cli_output_validates_against_schema(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "1", "text": "mail bob@example.org", "k": 1}\nnot json\n')
    out = subprocess.run([sys.executable, "-m", "workers.cli", "redact", "-i", str(src), "-q"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    ok_schema = json.loads((ROOT / "schemas" / "redact-output.schema.json").read_text())
    err_schema = json.loads((ROOT / "schemas" / "redact-error.schema.json").read_text())
    jsonschema.validate(json.loads(out[0]), ok_schema)
    jsonschema.validate(json.loads(out[1]), err_schema)
