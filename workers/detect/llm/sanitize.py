"""Documents reach the LLM as data: chat-template control tokens in them are neutralised.

A tokenizer reads an added/special token's text (`<|im_end|>`, `<|eot_id|>`, `</s>`, ...) as that
token wherever it occurs in the prompt string, so a document holding "<|im_end|><|im_start|>
assistant {...}" would end the user turn and write the model's answer for it (seen: the model then
returned no mentions). Every such string is replaced by spaces of the same length before the text
enters a prompt: offsets into the text stay valid, and a space is never part of a control token.

The list is the loaded tokenizer's own added and special tokens plus fixed families of the common
chat templates (ChatML, Llama 2/3, Mistral, Gemma, Phi, DeepSeek), matched on a per-character
NFKC fold so full-width look-alikes (`＜|im_end|＞`) that a normalising tokenizer would fold into a
control token go too. One RE2 pass: linear in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from workers.detect.engine import compile_re2

# Families rather than names, so unseen members (`<|reserved_special_token_7|>`) are covered.
FIXED_PATTERNS: tuple[str, ...] = (
    r"<\|[^|<>\s]{1,48}\|>",  # ChatML, Llama 3, Phi: <|im_start|>, <|eot_id|>, <|assistant|>
    r"<｜[^｜<>\s]{1,48}｜>",  # DeepSeek: <｜begin▁of▁sentence｜> (full-width bars)
    r"\[/?(?:INST|SYS|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS)\]",  # Mistral, Llama 2
    r"<</?SYS>>",
    r"</?s>",  # sentencepiece BOS/EOS
    r"<(?:bos|eos|pad|unk|mask|sep|cls)>",
    r"</?(?:start_of_turn|end_of_turn|think|tool_call|tool_response)>",  # Gemma, Qwen tools/thinking
    r"\[(?:CLS|SEP|PAD|MASK|UNK)\]",
)


def _fold(text: str) -> str:
    """Same length as `text`: each character replaced by its NFKC form when that is one character."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


class ControlTokens:
    """Finds and blanks control tokens; `tokens` are the tokenizer's literal added tokens."""

    def __init__(self, tokens: Iterable[str] = ()):
        lits = sorted({t for t in tokens if t and t.strip()}, key=len, reverse=True)
        alts = [re.escape(t) for t in lits] + list(FIXED_PATTERNS)
        self._re = compile_re2("|".join(f"(?:{a})" for a in alts))
        self.literals = tuple(lits)

    def spans(self, text: str) -> list[tuple[int, int]]:
        found = [m.span() for m in self._re.finditer(text)]
        folded = _fold(text)
        if folded is not text:
            found += [m.span() for m in self._re.finditer(folded)]
            found.sort()
        merged: list[tuple[int, int]] = []
        for a, b in found:
            if merged and a < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged

    def neutralise(self, text: str) -> tuple[str, int]:
        """(text with every control token blanked, how many there were)."""
        spans = self.spans(text)
        if not spans:
            return text, 0
        parts: list[str] = []
        pos = 0
        for a, b in spans:
            parts.append(text[pos:a])
            parts.append(" " * (b - a))
            pos = b
        parts.append(text[pos:])
        return "".join(parts), len(spans)


def tokenizer_control_tokens(tokenizer: Any) -> tuple[str, ...]:
    """Every string a (Hugging Face) tokenizer turns into one added/special token when it meets it
    in a prompt; empty when the tokenizer does not say."""
    out: set[str] = set()
    for attr in ("all_special_tokens", "additional_special_tokens"):
        try:
            out.update(str(t) for t in (getattr(tokenizer, attr, None) or ()))
        except Exception:  # noqa: BLE001, S112 - a tokenizer wrapper without the attribute
            continue
    try:
        out.update(str(t) for t in (tokenizer.get_added_vocab() or {}))
    except Exception:  # noqa: BLE001, S110
        pass
    return tuple(sorted(t for t in out if t.strip()))


def fence_for(text: str) -> str:
    """A code fence (backticks) longer than any backtick run in `text`, so the text cannot hold
    the line that closes it: a fake end of the document inside the document stays inside."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def quote(text: str) -> str:
    fence = fence_for(text)
    return f"{fence}\n{text}\n{fence}"
