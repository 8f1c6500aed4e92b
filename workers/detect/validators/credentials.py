"""Secrets and credentials: passwords, user names, key values, HTTP Basic credentials."""

from __future__ import annotations

import base64
import binascii
import re


def high_entropy(value: str) -> bool:
    """Secrets after a key name: long enough and mixed enough not to be a word or a flag."""
    if len(value) < 8 or value.lower() in _NOT_SECRETS:
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    return classes >= 2 and len(set(value)) >= 6


_NOT_SECRETS = {"true", "false", "null", "none", "undefined", "redacted", "********", "changeme"}

_NOT_USERS = {
    "root",
    "admin",
    "administrator",
    "nobody",
    "www-data",
    "postgres",
    "mysql",
    "daemon",
    "system",
    "null",
    "none",
    "true",
    "false",
    "unknown",
    "anonymous",
    "guest",
    "-",
    "user",
    "users",
    "id",
    "name",
    "ubuntu",
    "ec2-user",
    "invalid",
    "is",
    "was",
    "not",
    "the",
    "a",
    "an",
    "and",
    "to",
    "with",
}


def username(value: str) -> bool:
    v = value.strip("\"'")
    return 2 <= len(v) <= 64 and v.lower() not in _NOT_USERS and not v.isdigit()


def password(value: str) -> bool:
    v = value.strip("\"'")
    if v.startswith("/") and v.count("/") >= 2:  # sudo's PWD=/home/x is a directory, not a secret
        return False
    return 3 <= len(v) <= 128 and v.lower() not in _NOT_SECRETS and not set(v) <= {"*", "x", "X", "#"}


def secret_phrase(value: str) -> bool:
    """A password named in free text ("I tried password X"): must look like one, not a word."""
    v = value.rstrip(".,;:!?)\"'")
    classes = sum(
        (
            any(c.islower() for c in v),
            any(c.isupper() for c in v),
            any(c.isdigit() for c in v),
            any(not c.isalnum() for c in v),
        )
    )
    return len(v) >= 6 and classes >= 3 and password(v)


_BASIC_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def basic_credentials(value: str) -> bool:
    """HTTP Basic credentials: base64 of printable "user:password" (free text such as "Basic
    information" is not valid base64 of that shape)."""
    if len(value) % 4 or _BASIC_B64.fullmatch(value) is None:
        return False
    try:
        raw = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return raw.find(":") >= 1 and raw.isprintable()
