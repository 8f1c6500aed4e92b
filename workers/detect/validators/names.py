"""Person names after a courtesy title or under a display-name key."""

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


# Words of application, group and service display names ("Okta Admin Console", "Domain Admins",
# "Sales Team"): the display-name keys of identity providers name those as often as people.
_NOT_PERSON_WORDS = frozenset(
    {
        "admin",
        "admins",
        "administrator",
        "administrators",
        "console",
        "service",
        "services",
        "app",
        "application",
        "group",
        "team",
        "online",
        "office",
        "portal",
        "server",
        "account",
        "system",
        "policy",
        "default",
        "test",
        "api",
        "client",
        "bot",
        "support",
        "users",
        "user",
        "dashboard",
        "gateway",
        "connector",
        "directory",
        "manager",
        "security",
        "access",
        "workspace",
        "cloud",
        "web",
        "mobile",
        "desktop",
        "agent",
        "sync",
        "microsoft",
        "google",
        "okta",
        "azure",
        "amazon",
        "exchange",
        "sharepoint",
        "teams",
        "windows",
    }
)


def display_name(value: str) -> bool:
    """A display name that reads as a person's: no product, group or service word in it."""
    return not any(w.strip(".").lower() in _NOT_PERSON_WORDS for w in value.split())
