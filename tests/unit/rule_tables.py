"""Shared shape of the per-category rule tables: (category, text, type, value) rows that must be
found exactly, (category, text, type) rows where that type must not be reported, and every
category having both kinds of row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from workers.detect.rules import RulesDetector


def found(rules: RulesDetector, text: str) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in rules.detect_one(text)]


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
