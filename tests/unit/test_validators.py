"""The validators package: memoised validators can be reset (benchmarks reset them per pass)."""

from __future__ import annotations

import pytest

from workers.detect import validators as v


@pytest.mark.parametrize(
    ("validator", "value"),
    [(v.phone_valid, "+1 415-555-2671"), (v.phone_valid, "020 7946 0958"), (v.domain_name, "api.example.com")],
)
def test_clear_caches_forgets_and_keeps_answers(validator, value: str) -> None:
    first = validator(value)
    assert validator.cache_info().currsize > 0
    v.clear_caches()
    assert validator.cache_info().currsize == 0
    assert validator(value) == first  # a cold call answers as the memoised one did
