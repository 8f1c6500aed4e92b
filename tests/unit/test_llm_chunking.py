import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.llm.chunking import chunk


def test_short_text_is_one_chunk():
    assert chunk("hello", 100, 10) == [(0, "hello")]


def test_chunks_are_slices_and_cover_the_text():
    text = " ".join(f"word{i}" for i in range(500))
    parts = chunk(text, 200, 50)
    assert len(parts) > 1
    for off, c in parts:
        assert text[off : off + len(c)] == c and len(c) <= 200
    assert parts[0][0] == 0 and parts[-1][0] + len(parts[-1][1]) == len(text)
    for (o1, c1), (o2, _) in zip(parts, parts[1:], strict=False):
        assert o2 < o1 + len(c1)  # consecutive chunks overlap


@settings(max_examples=60)
@given(st.text(alphabet="ab \n", min_size=1, max_size=700), st.integers(60, 200))
def test_every_short_mention_is_inside_some_chunk(text, size):
    overlap = size // 3
    parts = chunk(text, size, overlap)
    width = overlap // 2  # words may shift the next start forward by up to overlap // 2
    for s in range(0, max(1, len(text) - width + 1)):
        e = min(len(text), s + width)
        assert any(off <= s and e <= off + len(c) for off, c in parts), (s, e)


def test_bad_sizes_rejected():
    with pytest.raises(ValueError):
        chunk("x", 10, 10)
