import pytest

from workers.detect.llm.gate import has_candidate


@pytest.mark.parametrize(
    "text",
    [
        "Ann Lee paid",
        "login=jdoe ok",
        "password reset for [EMAIL_ADDRESS]",
        "patient born 1961",
        "shipped to 12 baker street",
    ],
)
def test_candidates_pass(text):
    assert has_candidate(text)


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/orders 200 12ms",
        "[EMAIL_ADDRESS] [IP_ADDRESS] - - 200 Mozilla/5.0",
        "ERROR db timeout after 30s retry=3",
        "[PERSON]",
    ],
)
def test_texts_without_candidates_are_gated(text):
    assert not has_candidate(text)
