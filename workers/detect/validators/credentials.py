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
    "git",
    "-",
    "user",
    "users",
    "id",
    "name",
    "ubuntu",
    "ec2-user",
    "invalid",
    "unset",
    "login",
    "logon",
    "logout",
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


# Machine identifiers that sit under user keys (userId=, uid=, principalId, an STS session name):
# UUIDs, AWS unique ids (AIDA user, AROA role, AGPA group, ...), cloud resource ids (i-0abc...,
# sg-...), and any value holding a 9+ digit run (epoch times, account numbers).
_OPAQUE_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|A(?:IDA|ROA|GPA|NPA|NVA|IPA)[A-Z0-9]{12,}|"
    r"[a-z]{1,5}-[0-9a-f]{8,17}|.*\d{9}.*",
    re.IGNORECASE,
)
# An IAM role's friendly name (sessionIssuer "userName": "DevOpsRole"): a role, no person.
_ROLE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]*(?:Role|[_-]role)")


def _random_id(v: str) -> bool:
    """A generated identifier (Zeek's C8bJ1s2VfXz0p3QkT4, Okta's 00u1abcd2EFGH3ijk4l5): long,
    unseparated, all three character classes, switching class at almost every other character.
    A name with digits (JohnSmith1987) switches a few times."""
    if len(v) < 12 or not v.isalnum():
        return False
    switches = sum(1 for a, b in zip(v, v[1:], strict=False) if _cls(a) != _cls(b))
    return switches >= len(v) // 2


def _cls(c: str) -> int:
    return 0 if c.isdigit() else 1 if c.isupper() else 2


def username(value: str) -> bool:
    v = value.strip("\"'")
    if not 2 <= len(v) <= 64 or v.lower() in _NOT_USERS or not any(c.isalpha() for c in v):
        return False
    return _OPAQUE_ID.fullmatch(v) is None and _ROLE_NAME.fullmatch(v) is None and not _random_id(v)


# PAM's "(passwd:chauthtok)" names a service and a module type, not a password.
_PAM_TYPE = re.compile(r"(?:auth|account|session|password|chauthtok)\):?")


def password(value: str) -> bool:
    v = value.strip("\"'")
    if v.startswith("/") and v.count("/") >= 2:  # sudo's PWD=/home/x is a directory, not a secret
        return False
    if _PAM_TYPE.fullmatch(v):
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


# Values a config or log prints in place of a secret: not the secret itself.
_PLACEHOLDER_START = ("${", "{{", "%(", "<", "[", "$(", "*")


def not_userinfo(value: str) -> bool:
    """An e-mail match, not the userinfo of a URL that the e-mail patterns match as an alternative
    to skip it (scheme://user:pass@): that one ends at its @, an address at its domain."""
    return not value.endswith("@")


def url_password(value: str) -> bool:
    """The password of a URL's userinfo: a password, not a template (${DB_PASS}, {{ pw }})."""
    return password(value) and not value.startswith(_PLACEHOLDER_START)


def url_username(value: str) -> bool:
    """The user of a URL's userinfo: a person's login, not a generic account or a template."""
    return username(value) and not value.startswith(_PLACEHOLDER_START)


def secret_value(value: str) -> bool:
    """A value after a secret-ish key (secret:, client_secret=, "SecretAccessKey": ...): mixed
    like a secret (high_entropy), not a template or a masked placeholder."""
    return high_entropy(value) and not value.startswith(_PLACEHOLDER_START) and not value.endswith(("}}", "]"))


_NOT_SESSIONS = frozenset({"deleted", "expired", "invalid", "loggedout", "logged_out", "anonymous"})


def session_value(value: str) -> bool:
    """The value of a session-named cookie: an identifier, not a word, a flag or a tombstone
    ("sid=deleted" on logout). Session ids are random: mixed (high_entropy) or long."""
    if not 8 <= len(value) <= 4096 or value.startswith(_PLACEHOLDER_START):
        return False
    if value.lower() in _NOT_SESSIONS:
        return False
    return high_entropy(value) or (len(value) >= 16 and len(set(value)) >= 8)


def session_id(value: str) -> bool:
    """The value of a bare session key: an identifier (session_value) with letters and at least
    two digits, so a state word ("closed_by_remote_host") is not one."""
    return session_value(value) and sum(c.isdigit() for c in value) >= 2 and any(c.isalpha() for c in value)


def random_token(value: str) -> bool:
    """A value that reads as a random identifier rather than a setting (lang=en-US, theme=dark,
    tz=America%2FLos_Angeles, a timestamp): 16+ characters with at least three letters, three
    digits and ten distinct characters."""
    if not 16 <= len(value) <= 4096 or value.startswith(_PLACEHOLDER_START):
        return False
    digits = sum(c.isdigit() for c in value)
    letters = sum(c.isalpha() for c in value)
    return digits >= 3 and letters >= 3 and len(set(value)) >= 10


def aws_secret(value: str) -> bool:
    """A 40-character AWS secret access key by shape: base64 alphabet with upper and lower case
    letters and digits, many distinct characters. A git SHA-1 (lower-case hex) or a long word is
    not one."""
    return (
        len(value) == 40
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
        and len(set(value)) >= 20
    )


# Windows security-event account fields name services and machines as often as people: the local
# system and service accounts, virtual window-manager / font-driver accounts, anonymous logons.
# Multi-word names ("LOCAL SERVICE", "ANONYMOUS LOGON") are matched up to their first word.
_NOT_WINDOWS_PERSONS = frozenset({"system", "local", "network", "anonymous", "local service", "network service"})
_VIRTUAL_ACCOUNT = re.compile(r"(?:dwm|umfd)-\d{1,4}", re.IGNORECASE)


def windows_account(value: str) -> bool:
    """The value of a Windows event account field ("Account Name:", "TargetUserName"): a person's
    account unless it is a computer account (ends with $), "-" or a well-known service account."""
    account = value.partition("@")[0]  # WIN-DC01$@CORP.EXAMPLE.COM: a computer account's UPN
    if account.endswith("$") or value.lower() in _NOT_WINDOWS_PERSONS or _VIRTUAL_ACCOUNT.fullmatch(value):
        return False
    return username(value)


def downlevel_user(value: str) -> bool:
    """The user part of a down-level logon name (DOMAIN\\user). A backslash escape in raw text
    ("FAILED\\nRetrying") reads the same: a user part of one escape letter then a capital is
    that, not a logon name."""
    if len(value) >= 2 and value[0] in "nrtbfu" and value[1].isupper():
        return False
    if value.lower() in _NOT_WINDOWS_PERSONS:
        return False
    return username(value)


# Shared and template profiles, and the service accounts that own a home directory on servers
# (a deploy or CI user): no person's account.
_NOT_HOME_USERS = frozenset(
    {
        "public",
        "default",
        "shared",
        "all users",
        "default user",
        "lost+found",
        "defaultapppool",
        "deploy",
        "deployer",
        "jenkins",
        "git",
        "gitlab-runner",
        "runner",
        "ansible",
        "vagrant",
        "centos",
        "app",
        "svc",
        "service",
        "oracle",
        "ftp",
        "backup",
        "build",
    }
)


def home_user(value: str) -> bool:
    """The directory after /home, /Users or C:\\Users: a person's account unless a shared profile."""
    return value.lower() not in _NOT_HOME_USERS and username(value)
