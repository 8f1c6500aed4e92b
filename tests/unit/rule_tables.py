"""Shared shape of the per-category rule tables: (category, text, type, value) rows that must be
found exactly, (category, text, type) rows where that type must not be reported, and every
category having both kinds of row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from workers.detect.rules import RulesDetector
from workers.pipeline import Pipeline


def found(rules: RulesDetector, text: str) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in rules.detect_one(text)]


def unexpected(rules: RulesDetector, text: str, allowed: Sequence[str]) -> list[tuple[str, str]]:
    """Detections lying on no occurrence of an allowed value (a whole-line table's "nothing else")."""
    ranges = []
    for value in allowed:
        i = text.find(value)
        while i >= 0:
            ranges.append((i, i + len(value)))
            i = text.find(value, i + 1)
    return [
        (s.type, text[s.start : s.end])
        for s in rules.detect_one(text)
        if not any(s.start < b and s.end > a for a, b in ranges)
    ]


def assert_grows_linearly(pipeline: Pipeline, unit: Callable[[int], str], sizes: Sequence[int] = (24, 48, 96)) -> None:
    """Python line events (not time) of documents of 1x, 2x and 4x `unit`s: equal counts (all the
    work in C, linear) pass; any growth must stay within ~2x per doubling."""
    from test_dos import _line_events, _run

    docs = ["".join(unit(i) for i in range(n)) for n in sizes]
    _run(pipeline, docs[0])  # compiled regexes and caches warm outside the count
    c1, c2, c4 = (_line_events(lambda d=d: _run(pipeline, d)) for d in docs)
    assert c1 <= c2 <= c4
    assert c4 - c2 <= 2.15 * max(c2 - c1, 1), f"line events {c1}, {c2}, {c4}"


def _ids(rows: Sequence[tuple[str, ...]]) -> list[str]:
    return [f"{r[0]}-{i}" for i, r in enumerate(rows)]


def table_tests(
    must_detect: Sequence[tuple[str, str, str, str]], must_not_detect: Sequence[tuple[str, str, str]]
) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    """The three parametrised tests over a module's tables; the module binds them to `test_*`
    names (and provides the `rules` fixture)."""

    @pytest.mark.parametrize(("category", "text", "kind", "value"), must_detect, ids=_ids(must_detect))
    def must_detect_test(rules: RulesDetector, category: str, text: str, kind: str, value: str) -> None:
        assert (kind, value) in found(rules, text)

    @pytest.mark.parametrize(("category", "text", "kind"), must_not_detect, ids=_ids(must_not_detect))
    def must_not_detect_test(rules: RulesDetector, category: str, text: str, kind: str) -> None:
        assert [f for f in found(rules, text) if f[0] == kind] == []

    @pytest.mark.parametrize("category", sorted({r[0] for r in must_detect}))
    def both_tables_test(category: str) -> None:
        assert any(r[0] == category for r in must_not_detect)

    return must_detect_test, must_not_detect_test, both_tables_test
