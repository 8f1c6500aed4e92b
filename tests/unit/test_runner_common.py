"""bench/_runner_common.py: timed passes run the reset hook before each pass, outside the timing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _common():
    spec = importlib.util.spec_from_file_location("_runner_common", ROOT / "bench" / "_runner_common.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("max_passes", [1, 3, 5])
def test_before_pass_runs_before_every_pass(max_passes: int) -> None:
    events: list[str] = []

    def one_pass() -> int:
        events.append("pass")
        return len(events)

    out, rates, cpu = _common().timed_passes(
        one_pass, 10, min_seconds=1e9, max_passes=max_passes, before_pass=lambda: events.append("reset")
    )
    assert events == ["reset", "pass"] * max_passes
    assert len(rates) == len(cpu) == max_passes
    assert out == len(events)


def test_without_hook_passes_only() -> None:
    events: list[str] = []
    _common().timed_passes(lambda: events.append("pass"), 1, min_seconds=1e9, max_passes=2)
    assert events == ["pass", "pass"]
