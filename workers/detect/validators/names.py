"""Person names after a courtesy title."""

from __future__ import annotations

# Words that follow "Dr"/"St" in addresses ("Maple Dr. Suite 5") or start a clause: never the
# name after a title.
_NOT_NAMES = frozenset(
    {
        "suite",
        "apt",
        "apartment",
        "unit",
        "box",
        "floor",
        "fl",
        "building",
        "bldg",
        "room",
        "street",
        "road",
        "avenue",
        "lane",
        "drive",
        "court",
        "north",
        "south",
        "east",
        "west",
        "the",
        "and",
        "or",
        "no",
        "of",
        "in",
        "on",
        "at",
        "to",
    }
)


def titled_name(value: str) -> bool:
    """The words after a courtesy title ("Mr. Leiva", "Dr. Ann Wells"): no address word among them."""
    return not any(w.strip(".").lower() in _NOT_NAMES for w in value.split())
