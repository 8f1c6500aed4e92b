"""Built-in recognizers: RE2-syntax candidate patterns + validators + context words.

Scores: a candidate that passes its validator gets `score`; each recognizer's context words
found near the candidate add CONTEXT_BOOST; negative words subtract it. A span is reported when
its final score reaches the entity's `min_score` (0.5 by default), so recognizers with a base
below 0.5 fire only with supporting context (e.g. bare 9-digit numbers as SSNs).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pycountry

from workers.detect import validators as v


@dataclass(frozen=True)
class Recognizer:
    name: str
    entity: str
    regex: str  # RE2 syntax: linear-time, no backreferences or lookaround
    score: float
    validate: Callable[[str], bool] | None = None
    group: int = 0  # capture group holding the value (key=value patterns)
    context: tuple[str, ...] = ()
    negative_context: tuple[str, ...] = ()
    ignore_case: bool = False
    # Strip these from the end of the value (URLs followed by punctuation).
    strip_trailing: str = ""
    # On validation failure, retry with trailing space/dash-separated chunks removed.
    trim_chunks: bool = False
    # Extra score when the validator is a strong check (phone numbers parse, not just shape).
    strong_check: Callable[[str], bool] | None = None
    strong_bonus: float = 0.0
    # Score when a context word is present, if higher than score + boost: a checksum-valid
    # number next to its own key name ("nhs number ...") is near-certain and outranks look-alikes.
    context_score: float | None = None
    # Reject matches glued to a larger token (the digit tail of a UUID, a build id).
    standalone: bool = False
    # The validator is a checksum or issuer rule (Luhn + card network, mod-97, base58check, ...):
    # a value that passes it is real whatever words surround it, so negative context never
    # lowers it (an attacker writes "order" before a card number to get it published).
    checksum: bool = False
    # Reject when the text right before the match ends with one of these (case-insensitive):
    # "rv:1.9.2.20" and "Chrome/91.0.4472.124" are versions, not IP addresses.
    reject_after: tuple[str, ...] = ()
    # Reject when the text right after the match starts with one of these: "os.path.join(" is a
    # call and "db.host=" a key, not host names.
    reject_before: tuple[str, ...] = ()
    # Run after the others and skip candidates they already cover: the costly phone parse is
    # not spent on SSNs, cards and dates that a specific recognizer has claimed.
    defer: bool = False
    tags: frozenset[str] = field(default_factory=frozenset)
    # Finds only some mentions of its type (names after a title, country names): the type is not
    # covered by the rules tier on its account (the LLM router still asks about it).
    partial: bool = False
    # A cheaper pattern matching a superset of `regex`, for the hyperscan prefilter only.
    prefilter: str | None = None

    def __post_init__(self) -> None:
        if self.checksum and self.negative_context:
            raise ValueError(f"recognizer {self.name}: a checksum-validated type takes no negative context")


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
_SEP = r"""["']?\s*[:=]\s*["']?"""  # key separator in key=value, key: value, "key": "value"

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
_EXT = r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?"
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


BUILTIN: tuple[Recognizer, ...] = (
    # --- contact -----------------------------------------------------------------------------
    Recognizer(
        "email",
        "EMAIL_ADDRESS",
        r"\b[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b",
        0.9,
        # Mail header ids are addr-spec shaped but name a message, not a mailbox.
        reject_after=("message-id: <", "message-id:<", "in-reply-to: <", "references: <", "content-id: <"),
    ),
    Recognizer(
        # Internationalised addresses (RFC 6531: non-ASCII local part or domain, IDN TLDs). Only
        # run on non-ASCII text (tag): ASCII addresses are the recognizer above. Unbounded repeats:
        # bounded ones copy the Unicode classes and blow RE2's DFA memory.
        "email_intl",
        "EMAIL_ADDRESS",
        r"(?:\b[A-Za-z0-9]|" + _NA + r")(?:[A-Za-z0-9._%+-]|" + _NA + r")*@"
        r"(?:(?:[A-Za-z0-9]|" + _NA + r")(?:[A-Za-z0-9-]|" + _NA + r")*\.)+(?:[A-Za-z]{2,24}\b|" + _NA + r"+)",
        0.9,
        reject_after=("message-id: <", "message-id:<", "in-reply-to: <", "references: <", "content-id: <"),
        tags=frozenset({"non_ascii"}),
    ),
    Recognizer(
        "phone",
        "PHONE_NUMBER",
        # International (+CC), parenthesised area code, separated digit groups, or a plain run of
        # 7-15 digits. At least one of these shapes is required, so bare small numbers never match.
        r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{1,5}){1,5}"
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
    # --- financial ---------------------------------------------------------------------------
    Recognizer(
        "credit_card",
        "CREDIT_CARD",
        # Network prefixes: Visa 4, MC 2/5, Amex/Diners/JCB 3, Discover/Maestro/UnionPay 6, Maestro 50,
        # old JCB 1800/2131. Excludes 0/7/8/9 and 13-digit epoch-millisecond runs starting with 1.
        # "_" may precede the number ("sku_4111111111111111": no word boundary there).
        r"(?:\b|_)((?:4|5|6|3|2|1800)\d{2,3}(?:[ -]?\d){8,15})\b",
        0.75,
        v.credit_card,
        group=1,
        context=CARD_CONTEXT,
        trim_chunks=True,
        standalone=True,
        checksum=True,
    ),
    Recognizer(
        # Groups separated by dots or slashes, the same separator throughout
        # ("4111.1111.1111.1111" is a card, not a Cisco MAC address followed by a number).
        "credit_card_dotted",
        "CREDIT_CARD",
        r"\b(?:\d{4}\.\d{4}\.\d{4}\.\d{1,7}|\d{4}\.\d{6}\.\d{4,5}|\d{4}/\d{4}/\d{4}/\d{1,7}|\d{4}/\d{6}/\d{4,5})\b",
        0.75,
        v.credit_card,
        context=CARD_CONTEXT,
        standalone=True,
        checksum=True,
    ),
    Recognizer(
        # Right after a card key the key says what it is: any Luhn-valid 12-19 digit number,
        # whatever its issuer prefix (12-digit Maestro, private-label cards).
        "keyed_card",
        "CREDIT_CARD",
        r"\b" + _CARD_KEY + _SEP + r"(\d(?:[ ./-]?\d){11,18})\b",
        0.95,
        v.luhn_number,
        group=1,
        ignore_case=True,
        checksum=True,
    ),
    Recognizer(
        "iban",
        "IBAN_CODE",
        r"\b[A-Za-z]{2}\d{2}[ ]?(?:[A-Za-z0-9]{4}[ ]?){2,7}[A-Za-z0-9]{1,4}\b",
        0.95,
        v.iban,
        context=("iban", "account", "bank", "transfer"),
        trim_chunks=True,
        checksum=True,
    ),
    Recognizer(
        "crypto_btc",
        "CRYPTO",
        r"\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b",
        0.95,
        v.btc_base58,
        checksum=True,
        context=("btc", "bitcoin", "wallet"),
    ),
    Recognizer(
        "crypto_bech32",
        "CRYPTO",
        r"\b(?:bc|tb|BC|TB)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}\b",
        0.95,
        v.btc_bech32,
        checksum=True,
    ),
    Recognizer(
        "crypto_eth",
        "CRYPTO",
        r"\b0x[0-9a-fA-F]{40}\b",
        0.6,
        v.eth_address,
        context=("eth", "ethereum", "wallet", "address", "0x"),
    ),
    # --- national identifiers (python-stdnum checksums) --------------------------------------
    Recognizer(
        "us_ssn",
        "US_SSN",
        r"\b\d{3}-\d{2}-\d{4}\b",
        0.85,
        v.us_ssn,
        context=("ssn", "social security", "social sec"),
    ),
    Recognizer(
        "us_ssn_spaced",
        "US_SSN",
        r"\b\d{3} \d{2} \d{4}\b",
        0.6,
        v.us_ssn,
        context=("ssn", "social security"),
        context_score=1.0,
    ),
    Recognizer(
        "us_ssn_plain",
        "US_SSN",
        r"\b\d{9}\b",
        0.3,
        v.us_ssn,
        context=("ssn", "social security"),
        context_score=1.0,
    ),
    Recognizer(
        "us_itin",
        "US_ITIN",
        r"\b9\d{2}[- ]?(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])[- ]?\d{4}\b",
        0.7,
        v.us_itin,
        context=("itin", "taxpayer", "tax id"),
        context_score=1.0,
    ),
    Recognizer(
        "uk_nhs",
        "UK_NHS",
        r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b",
        0.35,
        v.uk_nhs,
        context=("nhs", "national health", "health service"),
        context_score=1.0,
    ),
    Recognizer(
        "es_nif",
        "ES_NIF",
        r"\b(?:\d{8}|[XYZxyz]-?\d{7})-?[A-Za-z]\b",
        0.6,
        v.es_nif,
        context=("nif", "dni", "nie", "documento"),
        context_score=1.0,
    ),
    Recognizer(
        "it_fiscal_code",
        "IT_FISCAL_CODE",
        r"\b[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]\b",
        0.9,
        v.it_fiscal_code,
        context=("codice fiscale", "fiscal", "cf"),
    ),
    Recognizer(
        "in_pan",
        "IN_PAN",
        r"\b[A-Za-z]{3}[ABCFGHLJPTKabcfghljptk][A-Za-z]\d{4}[A-Za-z]\b",
        0.4,
        v.in_pan,
        context=("pan", "permanent account", "income tax"),
        context_score=1.0,
    ),
    Recognizer(
        "in_aadhaar",
        "IN_AADHAAR",
        r"\b[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}\b",
        0.35,
        v.in_aadhaar,
        context=("aadhaar", "aadhar", "uidai"),
        context_score=1.0,
    ),
    Recognizer(
        "ca_sin",
        "CA_SIN",
        r"\b\d{3}[ -]?\d{3}[ -]?\d{3}\b",
        0.3,
        v.ca_sin,
        context=("sin", "social insurance"),
        context_score=1.0,
    ),
    Recognizer(
        "nl_bsn",
        "NL_BSN",
        r"\b\d{9}\b",
        0.3,
        v.nl_bsn,
        context=("bsn", "burgerservicenummer", "sofinummer"),
        context_score=1.0,
    ),
    Recognizer(
        "fr_nir",
        "FR_NIR",
        r"\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}\b",
        0.75,
        v.fr_nir,
        context=("nir", "sécurité sociale", "securite sociale", "insee"),
    ),
    # --- network -----------------------------------------------------------------------------
    Recognizer(
        "ipv4",
        "IP_ADDRESS",
        r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
        0.9,
        v.ip_address,
        negative_context=("version", "release", "build"),
        reject_after=("/", "rv:", "v", "version ", "ver "),
    ),
    Recognizer(
        "ipv6",
        "IP_ADDRESS",
        # Full form, or compressed with "::" (so "10:00:00" timestamps are not even candidates).
        r"(?:\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b"
        r"|\b(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?"
        r"|::(?:ffff:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}))"
        r"(?:%[0-9A-Za-z]{1,16})?",
        0.9,
        v.ip_address,
    ),
    Recognizer("mac", "MAC_ADDRESS", r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b", 0.85),
    Recognizer("mac_dash", "MAC_ADDRESS", r"\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b", 0.85),
    Recognizer(
        "mac_cisco",
        "MAC_ADDRESS",
        r"\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b",
        0.7,
        standalone=True,
    ),
    Recognizer(
        "url",
        "URL",
        r"""\b(?:https?|ftp|wss?)://[^\s"'<>\\]{3,}""",
        0.6,
        strip_trailing=".,;:!?)]}'\"",
    ),
    Recognizer(
        "url_www",
        "URL",
        r"""\bwww\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[^\s"'<>\\]*""",
        0.55,
        strip_trailing=".,;:!?)]}'\"",
    ),
    # --- credentials (key names as context are part of the pattern) --------------------------
    Recognizer(
        "url_userinfo_password",
        "PASSWORD",
        r"[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:/@]{1,64}:([^\s@/]{1,128})@",
        0.9,
        v.password,
        group=1,
    ),
    Recognizer(
        "url_userinfo_user",
        "USERNAME",
        r"[A-Za-z][A-Za-z0-9+.-]{1,15}://([^\s:/@]{1,64}):[^\s@/]{1,128}@",
        0.75,
        v.username,
        group=1,
    ),
    Recognizer(
        "keyed_password",
        "PASSWORD",
        r"\b" + _PW_KEY + _SEP + r"""([^\s"',;&}]{1,128})""",
        0.9,
        v.password,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # Quoted values keep their spaces: password="correct horse battery staple", also with
        # escaped quotes inside a JSON string (password=\"...\") and Ruby/PHP hashes (=>).
        "quoted_password",
        "PASSWORD",
        r"\b" + _PW_KEY + r"""["']?\s*(?:=>|[:=])\s*\\?"([^"\r\n]{1,128}?)\\?""" + '"',
        0.95,
        v.password,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "quoted_password_single",
        "PASSWORD",
        r"\b" + _PW_KEY + r"""["']?\s*(?:=>|[:=])\s*\\?'([^'\r\n]{1,128}?)\\?'""",
        0.95,
        v.password,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "password_phrase",
        "PASSWORD",
        r"\b(?:password|passwd|passcode|passphrase)(?: is| was| of)?\s+(\S{6,128})",
        0.75,
        v.secret_phrase,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "json_password",
        "PASSWORD",
        r"""["'](?:password|passwd|passphrase|pwd|pass)["']\s*:\s*["']([^"'\n]{1,128})["']""",
        0.95,
        v.password,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "aws_access_key",
        "API_KEY",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
        0.95,
    ),
    Recognizer("google_api_key", "API_KEY", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.95),
    Recognizer("stripe_key", "API_KEY", r"\b[rsp]k_(?:live|test)_[0-9A-Za-z]{16,}\b", 0.95),
    Recognizer("slack_token", "ACCESS_TOKEN", r"\bxox[abposr]-[0-9A-Za-z-]{10,}\b", 0.95),
    Recognizer(
        "github_token", "ACCESS_TOKEN", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b", 0.95
    ),
    Recognizer("openai_style_key", "API_KEY", r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b", 0.85, v.high_entropy),
    Recognizer(
        "keyed_api_key",
        "API_KEY",
        r"\b(?:api[_-]?key|apikey|x-api-key|client[_-]?secret|secret[_-]?key|secret|private[_-]?key|"
        r"access[_-]?key(?:[_-]?id)?|aws[_-]?secret[_-]?access[_-]?key)" + _SEP + r"([A-Za-z0-9_\-./+=]{8,})",
        0.85,
        v.high_entropy,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "pem_private_key",
        "API_KEY",
        r"-----BEGIN " + _PEM_LABEL + r"(?:" + _PEM_BODY + r"*?-----END " + _PEM_LABEL + "|" + _PEM_TAIL + ")",
        0.99,
    ),
    Recognizer(
        # HTTP Basic (and token-scheme) credentials after an Authorization header key.
        "authorization_basic",
        "ACCESS_TOKEN",
        r"\b(?:proxy-)?authorization" + _SEP + r"(?:basic|token)\s+([A-Za-z0-9+/._~-]{4,}=*)",
        0.95,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # "Basic <base64>" anywhere (curl -H lines, dumped header maps): the value must decode
        # to user:password.
        "basic_credentials",
        "ACCESS_TOKEN",
        r"\bbasic\s+([A-Za-z0-9+/]{8,}={0,2})",
        0.9,
        v.basic_credentials,
        group=1,
        ignore_case=True,
        checksum=True,
    ),
    Recognizer(
        "jwt",
        "ACCESS_TOKEN",
        r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}",
        0.95,
    ),
    Recognizer(
        "bearer",
        "ACCESS_TOKEN",
        r"\bbearer\s+([A-Za-z0-9\-._~+/]{16,}=*)",
        0.9,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "keyed_token",
        "ACCESS_TOKEN",
        r"\b(?:access[_-]?token|auth[_-]?token|refresh[_-]?token|id[_-]?token|session[_-]?(?:id|token|key)|"
        r"sessionid|token|sid|csrf[_-]?token)" + _SEP + r"([A-Za-z0-9\-._~+/]{12,}=*)",
        0.85,
        v.high_entropy,
        group=1,
        ignore_case=True,
    ),
    # --- people-adjacent identifiers with key-name context -----------------------------------
    Recognizer(
        "keyed_username",
        "USERNAME",
        r"\b(?:user(?:name)?|login|user[_-]?id|uid|account|acct|owner|author|assignee|suser|duser)"
        + _SEP
        + r"([A-Za-z0-9._@+-]{2,64})",
        0.7,
        v.username,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "ssh_user",
        "USERNAME",
        r"\b(?:for|by|as)(?: invalid| illegal)? user ([A-Za-z0-9._-]{2,64})",
        0.75,
        v.username,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "login_as",
        "USERNAME",
        r"\b(?:log(?:ged)?[ -]?in as|signed in as|sign in as|login as|logged in user)\s+([A-Za-z0-9._@+-]{2,64})",
        0.75,
        v.username,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # Common/combined log format: client - remote_user [time]
        "clf_user",
        "USERNAME",
        r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]{3,}) - ([A-Za-z0-9._@+-]{2,64}) \[",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        "sudo_user",
        "USERNAME",
        r"\bsudo(?:\[\d+\])?:\s+([A-Za-z0-9._-]{2,64}) : ",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        "password_for_user",
        "USERNAME",
        r"\b(?:password|publickey|keyboard-interactive/pam) for (?:invalid user )?([A-Za-z0-9._-]{2,64})",
        0.75,
        v.username,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "keyed_dob",
        "DATE_OF_BIRTH",
        r"\b(?:dob|d\.o\.b\.?|date[ _-]?of[ _-]?birth|birth[ _-]?date|birthdate|birthday|born(?: on| in)?)"
        + r"""[^\n\d]{0,24}?("""
        + _DATE
        + ")",
        0.85,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "keyed_mrn",
        "MEDICAL_RECORD_NUMBER",
        r"\b(?:mrn|medical[ _-]?record(?:[ _-]?(?:number|no|num|#))?|patient[ _-]?(?:id|number|no|#)|"
        r"chart[ _-]?(?:number|no|#))" + r"""(?:["']?\s*[:=#]\s*["']?|\s+)([A-Za-z]{0,4}[-]?\d[0-9A-Za-z-]{3,19})""",
        0.85,
        group=1,
        ignore_case=True,
    ),
    # --- names and places with their own marks -----------------------------------------------
    Recognizer(
        # A courtesy title names a person: "Mr. Leiva", "Dr. Wells", "Ms. Ann Jones" - the encoder
        # often misses a lone surname. Up to three capitalised words (or initials) after it.
        "titled_person",
        "PERSON",
        r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Mister|Madam|Mme|Mlle|Herr|Frau)\.?[ \t]+"
        r"((?:\p{Lu}[\p{Ll}'-]+|\p{Lu}\.)(?:[ \t]+(?:\p{Lu}[\p{Ll}'-]+|\p{Lu}\.)){0,2})",
        0.8,
        v.titled_name,
        group=1,
        partial=True,
    ),
    Recognizer(
        # Country names (ISO 3166 short, common and official names; title case or upper case):
        # places the encoder has no label for.
        "country",
        "LOCATION",
        _COUNTRIES,
        0.7,
        standalone=True,
        partial=True,
        prefilter=_COUNTRIES.removeprefix(r"\b").removesuffix(r"\b"),
    ),
    # --- hosts --------------------------------------------------------------------------------
    Recognizer(
        # Host names under a public suffix (validated offline against the packaged Public Suffix
        # List). Deferred: names inside URLs and e-mail addresses already belong to those spans.
        "domain_name",
        "DOMAIN_NAME",
        r"\b(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,16}(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\b",
        0.6,
        v.domain_name,
        context=("host", "hostname", "domain", "server", "fqdn", "sni", "dns", "resolve"),
        reject_after=("@", "://", "."),
        reject_before=("(", "=", '":', "':", "-", "_", "@"),
        defer=True,
    ),
)
