"""Does a model's mention have the shape its type requires? (taxonomy `mention_pattern`,
`proper_noun`). Small models name common words ("idea", "me", "website") as people; these checks
drop such mentions before alignment. Shared by the LLM and the encoder (ner) detectors. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from workers.detect.engine import compile_re2

# Lower-case words inside names of people and places ("Ludwig van Beethoven", "Stratford upon
# Avon"). Other lower-case name parts ("Novo mesto") are not covered: that is the price.
PARTICLES = frozenset(
    "a al am an and auf bin da das de degli dei del della den der des di do dos du e el en "
    "im la las le les lo los nad of on op sur the ter ten upon van von y zu".split()
)
_STRIP = "\"'“”‘’()[]{}.,;:!?"


def uses_capitals(text: str) -> bool:
    """Text written in a cased script with capitals (not an all-lower-case chat line)."""
    return any(c.isupper() for c in text)


def capitalised(mention: str) -> bool:
    """Every word starts with a capital (or an uncased letter, e.g. CJK), name particles aside."""
    words = [w.strip(_STRIP) for w in mention.replace(",", " ").split()]
    words = [w for w in words if any(c.isalpha() for c in w)]
    if not words:
        return False
    for w in words:
        first = next(c for c in w if c.isalpha())
        if first.islower() and w.casefold() not in PARTICLES:
            return False
    # A name is not made of particles alone ("the", "of").
    return any(w.casefold() not in PARTICLES for w in words)


class ShapeCheck:
    def __init__(self, entities: Sequence[object]):
        self._patterns = {
            e.name: compile_re2(e.mention_pattern)  # type: ignore[attr-defined]
            for e in entities
            if getattr(e, "mention_pattern", None)
        }
        self._proper = {e.name for e in entities if getattr(e, "proper_noun", False)}  # type: ignore[attr-defined]

    def ok(self, type_: str, mention: str, *, cased_text: bool) -> bool:
        m = mention.strip()
        rx = self._patterns.get(type_)
        if rx is not None and not rx.search(m):
            return False
        return not (cased_text and type_ in self._proper and not capitalised(m))
