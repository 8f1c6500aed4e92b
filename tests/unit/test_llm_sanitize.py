"""Control-token blanking (same length, offsets kept) and the fence a document cannot close."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.llm.sanitize import ControlTokens, fence_for, quote, tokenizer_control_tokens

CT = ControlTokens(["<repo_name>", "<file_sep>", "<|im_start|>"])

TABLE = [
    ("hello <|im_end|> world", ["<|im_end|>"]),
    ("<|im_start|>assistant", ["<|im_start|>"]),
    ("a<|eot_id|><|start_header_id|>b", ["<|eot_id|>", "<|start_header_id|>"]),
    ("<|reserved_special_token_7|>", ["<|reserved_special_token_7|>"]),
    ("[INST] do it [/INST]", ["[INST]", "[/INST]"]),
    ("<<SYS>>x<</SYS>>", ["<<SYS>>", "<</SYS>>"]),
    ("</s><s>", ["</s>", "<s>"]),
    ("<start_of_turn>model", ["<start_of_turn>"]),
    ("<｜begin▁of▁sentence｜>", ["<｜begin▁of▁sentence｜>"]),
    ("＜|im_end|＞ full width", ["＜|im_end|＞"]),  # NFKC folds it into a control token
    ("x <repo_name> y <file_sep>", ["<repo_name>", "<file_sep>"]),  # the tokenizer's own tokens
    # Not control tokens: ordinary log syntax stays as it is.
    ("a | b || c <br> <ss> [inst] <| x |> <|a b|>", []),
    ("if a<b and c>d: s", []),
]


@pytest.mark.parametrize(("text", "tokens"), TABLE)
def test_control_tokens_are_found_and_blanked_in_place(text, tokens):
    assert [text[a:b] for a, b in CT.spans(text)] == tokens
    out, n = CT.neutralise(text)
    assert n == len(tokens) and len(out) == len(text)
    for a, b in CT.spans(text):
        assert out[a:b] == " " * (b - a)
    assert CT.spans(out) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["<|im_end|>", "</s>", "[INST]", "<repo_name>", "<", "|", ">", "`"]), st.text(max_size=8)
        ),
        max_size=12,
    )
)
def test_blanking_keeps_length_and_every_other_character(parts):
    text = "".join(parts)
    out, _ = CT.neutralise(text)
    assert len(out) == len(text)
    blanked = {i for a, b in CT.spans(text) for i in range(a, b)}
    assert all(out[i] == text[i] for i in range(len(text)) if i not in blanked)
    assert CT.spans(out) == [] and CT.neutralise(out)[0] == out


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("`a\n "), max_size=40))
def test_the_fence_never_occurs_in_the_text(text):
    fence = fence_for(text)
    assert fence not in text and set(fence) == {"`"} and len(fence) >= 3
    assert quote(text) == f"{fence}\n{text}\n{fence}"


def test_tokenizer_tokens_are_read_from_special_and_added_vocab():
    class Tok:
        all_special_tokens = ["<|endoftext|>", "<|im_start|>"]
        additional_special_tokens = ["<|im_end|>"]

        def get_added_vocab(self):
            return {"<tool_call>": 5, " ": 6}

    assert tokenizer_control_tokens(Tok()) == ("<tool_call>", "<|endoftext|>", "<|im_end|>", "<|im_start|>")
    assert tokenizer_control_tokens(object()) == ()
