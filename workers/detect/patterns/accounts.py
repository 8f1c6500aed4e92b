"""Account names in the shapes security logs ship them: keyed down-level names with any-case
domains, delimited PAN-OS user columns, display names of identity providers, IAM user ARNs,
database accounts and SQL credentials, OpenVPN common names."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.fragments import _USER_KEY
from workers.detect.patterns.recognizer import Recognizer

# A user field's separator (user=, "user": ", User name: ), staying on its line.
_KEY_SEP = r"""\\?["']?[ \t]*[:=][ \t]*\\?["']?"""
# Keys whose value is a logon name, also written with spaces (Windows "User name:", "Account Name:").
_LOGON_KEY = r"(?:" + _USER_KEY + r"|\b(?:user|account|logon|target[ _]?user)[ _]name)"
# A NetBIOS-style domain and its backslash (also JSON-escaped or percent-encoded): any case once
# a key names the field.
_DOMAIN = r"[A-Za-z][A-Za-z0-9-]{0,14}(?:\\{1,2}|%5[Cc])"
_USER = r"[A-Za-z0-9._-]"
# SQL: a column naming a login, a value (quoted string or bare literal) of a VALUES list.
_SQL_COL = r"""[`"\[]?[A-Za-z_][A-Za-z0-9_]*[`"\]]?"""
_SQL_USER_COL = r"""[`"\[]?(?:user(?:_?name)?|login|account|acct|usr|uname)[`"\]]?"""
_SQL_VAL = r"(?:'[^']*'|[^,'()]+)"


def _values_column(k: int) -> Recognizer:
    """INSERT INTO t (c0, ..., username, ...) VALUES (v0, ..., 'bwright', ...): the login column at
    position k of the column list, and the value at the same position of the first row."""
    # No "{0}" repeat for k = 0: hyperscan rejects it.
    rep = "{" + str(k) + "}"
    cols, vals = (r"(?:" + _SQL_COL + r"\s*,\s*)" + rep, r"(?:" + _SQL_VAL + r"\s*,\s*)" + rep) if k else ("", "")
    return Recognizer(
        f"sql_values_user_{k}",
        "USERNAME",
        r"\(\s*" + cols + _SQL_USER_COL + r"\s*(?:,[^()]*)?\)\s*values\s*\(\s*" + vals + r"'([^'\s]{2,64})'",
        0.8,
        v.username,
        group=1,
        ignore_case=True,
    )


ACCOUNTS: tuple[Recognizer, ...] = (
    Recognizer(
        # user=acme\jpark, "user": "acme\\jpark", srcuser=corp\lnovak, User name: acme\s.meyer:
        # the key says the field is a logon name, so a lower-case domain is one too (without a key,
        # "src\main" is a path). The user part is reported; one starting with n, r or t could be
        # an escape (jdoe\tsrc=), which the next recognizer covers.
        "keyed_downlevel_user",
        "USERNAME",
        _LOGON_KEY + _KEY_SEP + _DOMAIN + r"([A-MO-QSU-Za-mo-qsu-z0-9_]" + _USER + r"{1,63})",
        0.8,
        v.downlevel_user,
        group=1,
        ignore_case=True,
        reject_before=("\\", "/", "$"),
    ),
    Recognizer(
        # The same with a user part that starts like an escape (acme\nancy, or user=jdoe\tsrc=1.2.3.4
        # in escaped text): either reading holds a name, so the whole domain\user is reported
        # (fail closed: the domain is redacted with it).
        "keyed_downlevel_escape",
        "USERNAME",
        _LOGON_KEY + _KEY_SEP + r"(" + _DOMAIN + r"[nrt]" + _USER + r"{1,63})",
        0.8,
        v.username,
        group=1,
        ignore_case=True,
        reject_before=("\\", "/", "$"),
    ),
    Recognizer(
        # A whole comma-delimited field domain\user (PAN-OS traffic/threat CSV source and
        # destination user columns, CSV exports): the delimiters make it a value, not a path.
        "csv_downlevel_user",
        "USERNAME",
        r"(?:^|,)[A-Za-z][A-Za-z0-9-]{1,14}\\{1,2}(" + _USER + r"{2,64}),",
        0.75,
        v.downlevel_user,
        group=1,
    ),
    Recognizer(
        # Identity-provider display names: Okta actor displayName, Azure AD userDisplayName, AD
        # DisplayName, fullName/full_name. Two to four capitalised words; apps and groups carry
        # the same key, so the validator drops names holding a product or group word.
        "keyed_display_name",
        "PERSON",
        r"\b(?:[Uu]ser[_-]?)?(?:[Dd]isplay|DISPLAY|[Ff]ull|FULL|[Rr]eal)[ _-]?(?:[Nn]ame|NAME)"
        r"""\\?["']?[ \t]*[:=][ \t]*\\?["']"""
        r"((?:\p{Lu}[\p{Ll}'-]+)(?: (?:\p{Lu}[\p{Ll}'-]+|\p{Lu}\.)){1,3})\\?[\"']",
        0.8,
        v.display_name,
        group=1,
        partial=True,
    ),
    Recognizer(
        # The user of an IAM user ARN (arn:aws:iam::123456789012:user/path/alice.walker) and the
        # session name of an assumed role (often the person's login or e-mail). Role, policy and
        # resource ARNs name no person.
        "arn_user",
        "USERNAME",
        r"\barn:aws[a-z-]*:(?:iam::\d{12}:user/(?:[A-Za-z0-9+=,.@_-]+/)*|sts::\d{12}:assumed-role/[A-Za-z0-9+=,.@_-]+/)"
        r"([A-Za-z0-9+=,.@_-]{2,64})",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # A database account 'user'@'host' (MySQL/MariaDB GRANT, CREATE USER, audit plugins),
        # also with backticks or double quotes.
        "sql_account",
        "USERNAME",
        r"""[`'"]([A-Za-z0-9._$-]{2,32})[`'"]@[`'"%]""",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # SQL credentials: IDENTIFIED BY 'x', [WITH|LOGIN|ENCRYPTED] PASSWORD 'x' (MySQL, Postgres
        # CREATE/ALTER ROLE, pgaudit lines).
        "sql_password",
        "PASSWORD",
        r"\b(?:identified(?: with [A-Za-z0-9_]{1,40})? by|(?:with|login|encrypted|unencrypted) password)\s+'([^'\r\n]{1,128})'",
        0.9,
        v.password,
        group=1,
        ignore_case=True,
    ),
    *(_values_column(k) for k in range(4)),
    Recognizer(
        # OpenVPN prefixes a client's lines with its peer address and certificate common name
        # ("198.51.100.40:1194 [g.rossi] Peer Connection Initiated"), which is the user.
        "openvpn_user",
        "USERNAME",
        r"\b\d{1,3}(?:\.\d{1,3}){3}:\d{1,5} \[([A-Za-z0-9._@-]{2,64})\] ",
        0.75,
        v.username,
        group=1,
    ),
)
