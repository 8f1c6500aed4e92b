"""Windows over long token sequences and length buckets (workers/detect/ner/windows.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.detect.ner.windows import Window, buckets, plan_windows


@pytest.mark.parametrize(
    ("n", "size", "overlap", "expected"),
    [
        (0, 10, 2, []),
        (7, 10, 2, [(0, 7, 0, 7)]),
        (10, 10, 2, [(0, 10, 0, 10)]),
        # step 8: windows at 0 and 8; the last is aligned to the end (10..20 -> 10)
        (20, 10, 2, [(0, 10, 0, 9), (8, 18, 9, 14), (10, 20, 14, 20)]),
        (12, 10, 4, [(0, 10, 0, 6), (2, 12, 6, 12)]),
    ],
)
def test_plan_windows_table(n, size, overlap, expected):
    got = [(w.start, w.end, w.own_start, w.own_end) for w in plan_windows(3, n, size, overlap)]
    assert got == expected


@given(n=st.integers(0, 3000), size=st.integers(2, 600), frac=st.floats(0, 0.5))
def test_windows_partition_tokens_and_keep_context(n, size, frac):
    overlap = min(size - 1, int(size * frac))
    ws = plan_windows(0, n, size, overlap)
    owned = [t for w in ws for t in range(w.own_start, w.own_end)]
    assert owned == list(range(n))  # every token owned exactly once, in order
    for w in ws:
        assert 0 <= w.start <= w.own_start <= w.own_end <= w.end <= n and w.length <= size
        # an owned token sits at least overlap//2 tokens from any edge that is not the text's
        for t in (w.own_start, w.own_end - 1) if w.own_end > w.own_start else ():
            if w.start > 0:
                assert t - w.start >= overlap // 2
            if w.end < n:
                assert w.end - 1 - t >= overlap // 2 - 1
    # linear: at most about n / (size - overlap) + 1 windows
    assert len(ws) <= n // max(1, size - overlap) + 2


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_plan_windows_rejects_bad_shapes(size, overlap):
    with pytest.raises(ValueError):
        plan_windows(0, 100, size, overlap)


@given(st.lists(st.integers(1, 50), max_size=200), st.integers(1, 40))
def test_buckets_sort_by_length_and_keep_every_window(lengths, batch):
    ws = [Window(i, 0, n, 0, n) for i, n in enumerate(lengths)]
    bs = buckets(ws, batch)
    assert sorted(w.doc for b in bs for w in b) == list(range(len(lengths)))
    assert all(1 <= len(b) <= batch for b in bs)
    flat = [w.length for b in bs for w in b]
    assert flat == sorted(flat)


@given(st.lists(st.integers(1, 60), max_size=200), st.integers(1, 40), st.integers(16, 400))
def test_token_budget_caps_padded_batch_size(lengths, batch, budget):
    ws = [Window(i, 0, n, 0, n) for i, n in enumerate(lengths)]
    bs = buckets(ws, batch, budget)
    assert sorted(w.doc for b in bs for w in b) == list(range(len(lengths)))
    for b in bs:
        longest = max(w.length for w in b)
        assert len(b) == 1 or len(b) * longest <= budget
        assert len(b) <= batch
