"""Contact recognizers: e-mail addresses and phone numbers."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.fragments import _EXT, _NA, _PHONE_KEY, _SEP, _USERINFO, KERBEROS_SERVICES, PHONE_CONTEXT
from workers.detect.patterns.recognizer import Recognizer

# Text before an addr-spec that names no mailbox: mail and sendmail/postfix message ids, and the
# service class of a Kerberos service principal (service/host@REALM).
_NOT_MAILBOX = (
    "message-id: <",
    "message-id:<",
    "message-id=<",
    "msgid=<",
    "msgid: <",
    "in-reply-to: <",
    "references: <",
    "content-id: <",
    *(s + "/" for s in KERBEROS_SERVICES),
)

CONTACT: tuple[Recognizer, ...] = (
    # --- contact -----------------------------------------------------------------------------
    Recognizer(
        "email",
        "EMAIL_ADDRESS",
        # A URL's userinfo is matched first and rejected (the validator: it ends at its @), see
        # _USERINFO. No capture group: RE2 then finds each match with its DFAs alone.
        _USERINFO + "|"
        r"\b[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b",
        0.9,
        v.not_userinfo,
        # Mail header ids are addr-spec shaped but name a message, not a mailbox; so are Kerberos
        # service principals (krbtgt/REALM@REALM, HTTP/host@REALM).
        reject_after=_NOT_MAILBOX,
    ),
    Recognizer(
        # Internationalised addresses (RFC 6531: non-ASCII local part or domain, IDN TLDs). Only
        # run on non-ASCII text (tag): ASCII addresses are the recognizer above. Unbounded repeats:
        # bounded ones copy the Unicode classes and blow RE2's DFA memory.
        "email_intl",
        "EMAIL_ADDRESS",
        _USERINFO + "|"
        r"(?:\b[A-Za-z0-9]|" + _NA + r")(?:[A-Za-z0-9._%+-]|" + _NA + r")*@"
        r"(?:(?:[A-Za-z0-9]|" + _NA + r")(?:[A-Za-z0-9-]|" + _NA + r")*\.)+(?:[A-Za-z]{2,24}\b|" + _NA + r"+)",
        0.9,
        v.not_userinfo,
        reject_after=_NOT_MAILBOX,
        tags=frozenset({"non_ascii"}),
    ),
    Recognizer(
        "phone",
        "PHONE_NUMBER",
        # International (+CC, or 00/011 written for the +), parenthesised area code, separated digit
        # groups, or a plain run of 7-15 digits. At least one of these shapes is required, so bare
        # small numbers never match. "00" is glued to its country code ("0044 20 ..."): in
        # "+00:00 3211392695" a UTC offset is followed by an id.
        r"(?:(?:\+\d{1,3}|\b(?:00|011[ .-]?)[1-9]\d{0,2})[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{1,5}){1,5}"
        r"|\(\d{1,5}\)[ .-]?\d{2,4}(?:[ .-]?\d{2,5}){1,4}"
        r"|\b\d{1,5}[ .-]\d{2,8}(?:[ .-]\d{1,5}){0,4}"
        r"|\b\d{7,15})" + _EXT + r"\b",
        0.3,
        v.phone_shape,
        context=PHONE_CONTEXT,
        negative_context=("port", "pid", "bytes", "ms", "took", "size", "version", "id=", "build"),
        strong_check=v.phone_valid,
        strong_bonus=0.3,
        standalone=True,
        trim_chunks=True,
        defer=True,
        min_digits=7,  # phone_shape: 7 to 15 digits
        # Right after "{" a run of numbers is a set or list literal (Kerberos "etypes {18 17 20 19}").
        reject_after=("{",),
        # Digits running into ":MM" end at the hour of a clock: "Oct 05 2026 01:10:01" (Cisco
        # ASA, syslog with the year) reads "05 2026 01" as a number otherwise.
        reject_before=(":0", ":1", ":2", ":3", ":4", ":5"),
    ),
    Recognizer(
        # Phone numbers in key=value logs and query strings, possibly percent-encoded
        # ("phone=%2B61%202%209188%209869"): the key is the context, the validator decodes.
        "keyed_phone",
        "PHONE_NUMBER",
        r"\b" + _PHONE_KEY + _SEP + r"([+%0-9A-Fa-f().\- ]{7,60}[0-9]" + _EXT + ")",
        0.85,
        v.encoded_phone,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # Addresses percent-encoded twice or more (%2540 for @ in a nested redirect URL): the view
        # of normalize.py decodes one level. The value starts after a separator or an encoded "="
        # (%3D, %253D) so the parameter's key is not part of it.
        "email_percent_encoded",
        "EMAIL_ADDRESS",
        r"(?:%(?:25)*3[Dd]|[^A-Za-z0-9._%+-]|^)([A-Za-z0-9][A-Za-z0-9._+-]{0,63}%(?:25)+40"
        r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})\b",
        0.85,
        group=1,
    ),
)
