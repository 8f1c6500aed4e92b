"""The benchmark writes only its own section of docs/benchmarks.md."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("_report", ROOT / "bench" / "_report.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_replace_section_keeps_other_sections(tmp_path: Path) -> None:
    rb = _bench()
    doc = tmp_path / "b.md"
    doc.write_text("# Benchmarks\n\n## Streaming\nS1\n\n## Rules path vs Presidio\nOLD\n\n## LLM extraction\nL1\n")
    rb.replace_section("## Rules path vs Presidio", "## Rules path vs Presidio\nNEW\n", doc)
    text = doc.read_text()
    assert "OLD" not in text and "NEW" in text
    assert text.index("## Streaming") < text.index("NEW") < text.index("## LLM extraction")
    assert "S1" in text and "L1" in text


def test_replace_section_appends_when_missing(tmp_path: Path) -> None:
    rb = _bench()
    doc = tmp_path / "b.md"
    doc.write_text("# Benchmarks\n\n## Streaming\nS1\n")
    rb.replace_section("## Rules path vs Presidio", "## Rules path vs Presidio\nNEW\n", doc)
    assert doc.read_text().endswith("## Rules path vs Presidio\nNEW\n") and "S1" in doc.read_text()
