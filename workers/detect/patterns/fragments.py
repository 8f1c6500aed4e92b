"""Regex fragments, context-word lists and the country-name pattern shared by the recognizer families."""

from __future__ import annotations

import re

import pycountry

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|"
    + _MONTH
    + r" \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{1,2}(?:st|nd|rd|th)? (?:of )?"
    + _MONTH
    + r",? \d{4})"
)
# A non-ASCII letter, mark or digit (RE2 has no class subtraction: exclude the other categories).
_NA = r"[^\x00-\x7F\p{Z}\p{P}\p{S}\p{C}]"
_Q = r"""["']?"""  # optional quote around keys / values
# Service classes of Kerberos service principals (HTTP/web01@REALM, krbtgt/REALM): no person.
KERBEROS_SERVICES: tuple[str, ...] = (
    ("krbtgt", "host", "http", "ldap", "cifs", "mssqlsvc", "nfs", "imap", "smtp", "pop", "dns", "gc")
    + ("rpcss", "wsman", "termsrv", "restrictedkrbhost", "postgres", "hdfs", "hive", "kafka", "zookeeper")
    # kadmind's own principals (kadmin/admin@REALM, admin/admin@REALM, kiprop/host@REALM)
    + ("kadmin", "admin", "changepw", "kiprop")
)
_SEP = r"""["']?\s*[:=]\s*["']?"""  # key separator in key=value, key: value, "key": "value"
# _SEP, or "=" percent-encoded once or more (a query string nested in a redirect parameter:
# next=%2Fcb%3Fsession%3D8f3a...): the normalised view decodes e-mail escapes, not these.
_SEP_ENC = r"""(?:["']?\s*[:=]\s*["']?|%(?:25)*3[Dd])"""
# A key's left boundary, also right after an encoded "?" or "&" (%3Fsession, %26user), where
# \b does not hold (F and 6 are word characters). For recognizers matching case-insensitively.
_KEY_START = r"(?:\b|%(?:25)*(?:3F|26))"
# Key names of a user-name field. user/username also end longer keys (sasl_username, db.user,
# remote_user); the others only as whole words (last_login= holds a time, not a login). auditd's
# enriched AUID="x"/EUID="x", PAM's ruser=/logname=, LEEF's usrName=, AD's sAMAccountName=.
_USER_KEY = (
    r"(?:(?:" + _KEY_START + r"|[_.])(?:user(?:name)?|usr(?:name)?)|" + _KEY_START + r"(?:login|user[_-]?id|"
    r"(?:[aeos]|fs)?uid|account|acct|owner|author|assignee|[sd]user|srcuser|dstuser|ruser|logname|samaccountname))"
)

PHONE_CONTEXT = (
    "phone",
    "tel",
    "telephone",
    "mobile",
    "cell",
    "call",
    "fax",
    "contact",
    "reach",
    "number",
    "whatsapp",
    "sms",
    "text me",
    "dial",
    "ph",
    "ph.",
    "answer",
    "answering",
    "calling",
    "called",
    "ring",
    "line",
    "extension",
    "office",
    "home",
    "message",
    "phones",
    "texted",
    "reached",
)
CARD_CONTEXT = ("card", "credit", "debit", "visa", "mastercard", "amex", "pan", "cc", "payment", "cardnumber")
# Key names: optional prefixes joined by _ . - ("db_password", "spring.datasource.password",
# "contact_phone"), letters glued before the long forms ("PGPASSWORD", "cellphone").
_PREFIX = r"(?:[A-Za-z0-9]+[_.-])*"
_PW_KEY = (
    _PREFIX + r"(?:[A-Za-z]*pass(?:word|wd|phrase)|pass|pwd|pin|passcode)"
    r"(?:[_-]?(?:confirm(?:ation)?|again|repeat|new|old|\d))?"
)
_PHONE_KEY = (
    _PREFIX + r"(?:[A-Za-z]*phone|tel|mobile|mob|cell|msisdn|fax)"
    r"(?:[ _.-]?(?:number|num|no|nr|#)\.?)?"
)
_CARD_KEY = (
    _PREFIX + r"(?:card|cc|ccn|pan|cardnumber|credit[_ -]?card)"
    r"(?:[ _-]?(?:number|num|no|nr|#))?"
)
# Text after a user name that makes it the domain of DOMAIN\user or a path segment: a backslash,
# unless it starts an escape in raw text (user=jdoe\r\n, "Account Name:\t\tjdoe\r\n"). An
# escape letter followed by a lower-case letter or digit reads as a name ("CORP\nancy",
# "CORP\tom"), so those are rejected too. For reject_before (a prefix test at the value's end).
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_BACKSLASH_NAME = (
    "\\\\",
    *("\\" + c for c in _ALNUM + _ALNUM[:26].upper() if c not in "nrt"),
    *("\\" + e + c for e in "nrt" for c in _ALNUM),
)
_EXT = r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?"
# A URL scheme and the "//" that opens its authority (the userinfo, if any, follows). No \b before
# the scheme: "jdbc:mysql://" holds "mysql://".
_URL_AUTHORITY = r"[A-Za-z][A-Za-z0-9+.-]{1,15}://"
# A userinfo character: the authority ends at / ? or a blank, and a quote, bracket, backslash or
# comma ends the URL in JSON, markup and CSV ('"redis://h:1","owner":"ops@x.com"' holds no
# userinfo). A password may hold an unescaped # (people write DSNs by hand); the user part
# stops at # (a fragment), : and @.
_UI = r"""[^\s/?"'<>\\,]"""
_UI_USER = r"""[^\s:@/?#"'<>\\,]"""
# A whole userinfo up to its last @: the e-mail recognizers match it as an alternative they do
# not report, so "pass@host" in "postgres://user:pass@host" is never read as an address and
# the scan resumes at the host.
_USERINFO = _URL_AUTHORITY + _UI_USER + "*(?::" + _UI + "*)?@"
# PEM private keys (PKCS#1 RSA/EC/DSA, PKCS#8 plain and ENCRYPTED, OPENSSH, PGP blocks), with real
# or escaped (JSON, C) newlines. Without an END line (a truncated log line) the block runs to the
# end of its base64 body.
_PEM_LABEL = r"(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
_PEM_BODY = r"[A-Za-z0-9+/=\s\\:,.-]"
_PEM_TAIL = r"(?:[A-Za-z0-9+/=\r\n\\,.-]|: ?)*"

# Given names first: "Chad" and "Jordan" are far more often people than countries in text.
_COUNTRY_EXTRA = (
    "Russia",
    "Turkey",
    "England",
    "Scotland",
    "Wales",
    "Northern Ireland",
    "Great Britain",
    "Britain",
    "Holland",
    "Ivory Coast",
    "Burma",
    "Macedonia",
    "South Korea",
    "North Korea",
)
_NOT_COUNTRIES = frozenset({"Chad", "Jordan"})


def _country_regex() -> str:
    names: set[str] = set(_COUNTRY_EXTRA)
    for c in pycountry.countries:
        for n in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if n and "," not in n and "(" not in n:
                names.add(n.removeprefix("the "))
    names = {n for n in names if len(n) >= 4 and n not in _NOT_COUNTRIES}
    forms = sorted(names | {n.upper() for n in names}, key=len, reverse=True)
    return r"\b(?:" + "|".join(re.escape(n) for n in forms) + r")\b"


_COUNTRIES = _country_regex()
