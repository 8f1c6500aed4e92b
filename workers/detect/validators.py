"""Checksum and parse validators: a regex finds candidates, these decide if they are real.

Each takes the matched value and returns True (keep, validated) or False (drop).
Inputs are bounded by their regexes, so every validator here runs in constant time per match
(the few stdlib `re` patterns below are simple character-class runs on those bounded values).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
from collections.abc import Sequence
from functools import lru_cache

import phonenumbers
from publicsuffixlist import PublicSuffixList
from stdnum.ca import sin as _ca_sin
from stdnum.es import dni as _es_dni
from stdnum.es import nie as _es_nie
from stdnum.fr import nir as _fr_nir
from stdnum.gb import nhs as _gb_nhs
from stdnum.in_ import aadhaar as _in_aadhaar
from stdnum.in_ import pan as _in_pan
from stdnum.it import codicefiscale as _it_cf
from stdnum.nl import bsn as _nl_bsn
from stdnum.us import itin as _us_itin

_NON_DIGITS = re.compile(r"\D+")


def digits(s: str) -> str:
    return _NON_DIGITS.sub("", s)


# (prefixes, allowed lengths) per card network; a Luhn-valid number must also fit one of these.
_CARD_NETWORKS: tuple[tuple[tuple[str, ...], range | tuple[int, ...]], ...] = (
    (("4",), (13, 16, 19)),  # Visa
    (tuple(str(p) for p in range(51, 56)) + tuple(str(p) for p in range(22, 28)), (16,)),  # Mastercard
    (("34", "37"), (15,)),  # Amex
    (("30", "36", "38", "39"), range(14, 17)),  # Diners
    (("6011", "65") + tuple(str(p) for p in range(644, 650)), range(16, 20)),  # Discover
    (("35",), range(16, 20)),  # JCB
    (("1800", "2131"), (15,)),  # JCB (legacy)
    (("50",) + tuple(str(p) for p in range(56, 70)), range(12, 20)),  # Maestro / UnionPay / others
)


_CARD_PREFIX_LENGTHS: dict[str, set[int]] = {}
for _pres, _lens in _CARD_NETWORKS:
    for _pre in _pres:
        _CARD_PREFIX_LENGTHS.setdefault(_pre, set()).update(_lens)


def luhn(d: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(d)):
        n = ord(c) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def credit_card(value: str) -> bool:
    d = digits(value)
    if not 12 <= len(d) <= 19 or len(set(d)) < 2:
        return False
    n = len(d)
    if not any(n in _CARD_PREFIX_LENGTHS.get(d[:k], ()) for k in (1, 2, 3, 4)):
        return False
    return luhn(d)


def luhn_number(value: str) -> bool:
    """Any Luhn-valid 12-19 digit number: used only right after a card key ("card=", "pan:"),
    where the key says what it is and the issuer prefix may be one we do not list."""
    d = digits(value)
    return 12 <= len(d) <= 19 and len(set(d)) > 2 and luhn(d)


# IBAN length per country (ISO 13616 registry). A fixed length plus mod-97 is what the
# registry guarantees; stdnum's per-country BBAN checks cost ~60 us a call on the hot path.
_IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BI": 27,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DJ": 27,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FK": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "LY": 25,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MN": 20,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NI": 28,
    "NL": 18,
    "NO": 15,
    "OM": 23,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "RU": 33,
    "SA": 24,
    "SC": 31,
    "SD": 18,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "SO": 23,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
    "YE": 30,
}


def iban(value: str) -> bool:
    v = value.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(v[:2]) != len(v) or not v.isalnum() or not v[2:4].isdigit():
        return False
    rearranged = v[4:] + v[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# Numbers the SSA voided after they were published in advertising and samples.
_SSN_VOID = {"078051120", "219099999", "457555462"}


def us_ssn(value: str) -> bool:
    d = digits(value)
    # Never issued: area 000, 666 or 9xx; group 00; serial 0000.
    return (
        len(d) == 9
        and d[:3] not in ("000", "666")
        and d[0] != "9"
        and d[3:5] != "00"
        and d[5:] != "0000"
        and d not in _SSN_VOID
        and len(set(d)) > 1
    )


def us_itin(value: str) -> bool:
    return _us_itin.is_valid(digits(value))


def uk_nhs(value: str) -> bool:
    d = digits(value)
    return len(d) == 10 and len(set(d)) > 1 and _gb_nhs.is_valid(d)


def es_nif(value: str) -> bool:
    v = value.replace("-", "").upper()
    return _es_dni.is_valid(v) or _es_nie.is_valid(v)


def it_fiscal_code(value: str) -> bool:
    return _it_cf.is_valid(value.upper())


def in_pan(value: str) -> bool:
    return _in_pan.is_valid(value.upper())


def in_aadhaar(value: str) -> bool:
    return _in_aadhaar.is_valid(digits(value))


def ca_sin(value: str) -> bool:
    return _ca_sin.is_valid(digits(value))


def nl_bsn(value: str) -> bool:
    d = digits(value)
    return len(d) == 9 and len(set(d)) > 2 and _nl_bsn.is_valid(d)


def fr_nir(value: str) -> bool:
    return _fr_nir.is_valid(value.replace(" ", "").upper())


def ip_address(value: str) -> bool:
    if "." in value and ":" not in value:  # IPv4 fast path: the ipaddress module is ~10x slower
        parts = value.split(".")
        return len(parts) == 4 and all(
            p.isdigit() and len(p) <= 3 and int(p) <= 255 and (p == "0" or p[0] != "0") for p in parts
        )
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    # "::" and similar degenerate v6 forms are almost always something else (C++ scopes, times).
    return not (ip.version == 6 and value.count(":") < 2) and not (ip.version == 6 and len(value) < 6)


# Regions tried, in order, for numbers without a country code: the ones our users' logs come
# from most. Configurable per deployment (PipelineSettings.phone_regions, PII_WORKER_PHONE_REGIONS).
DEFAULT_PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN", "AU", "BR")


def phone_regions(regions: Sequence[str]) -> tuple[str, ...]:
    """Upper-cased region codes, each checked against phonenumbers' list; ValueError names a bad one."""
    out: list[str] = []
    for r in regions:
        code = r.strip().upper()
        if not code:
            continue
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {r.strip()!r}: use ISO 3166 alpha-2 codes such as US, GB, DE")
        if code not in out:
            out.append(code)
    if not out:
        raise ValueError("at least one phone region is required")
    return tuple(out)


_GROUPS = re.compile(r"\d+")
# International dialling prefixes written instead of "+": "00" (most of the world), "011"
# (North America), e.g. "001-415-555-2671x1803".
_IDD = re.compile(r"^(?:00|011)[ .-]?(?=[1-9])")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?|extension)\s?\d{1,5}$", re.IGNORECASE)


@lru_cache(maxsize=16384)  # the same numbers recur across log lines; parsing is the costly part
def phone_valid(value: str, regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS) -> bool:
    """True when the value is formatted like a phone number (+, parentheses, three or more digit
    groups, or ten-plus digits) and phonenumbers parses it as valid for one of `regions`.
    Two short digit groups ("17151 2450") parse as valid somewhere too often to count alone."""
    v = value.lstrip()
    groups = len(_GROUPS.findall(_EXTENSION.sub("", v)))
    formatted = v.startswith(("+", "(")) or groups >= 3 or (groups == 2 and len(digits(v)) >= 10)
    if not formatted:
        return False
    v = _IDD.sub("+", v)
    if v.startswith("+"):
        try:
            n = phonenumbers.parse(v, None)
        except phonenumbers.NumberParseException:
            return False
        # is_valid_number walks every region sharing the country code (25 for +1); the regions
        # of that code we know are enough and much cheaper.
        of_code = phonenumbers.region_codes_for_country_code(n.country_code or 0)
        return any(phonenumbers.is_valid_number_for_region(n, r) for r in of_code[:4]) or (
            len(of_code) > 4 and phonenumbers.is_valid_number(n)
        )
    for region in regions:
        try:
            n = phonenumbers.parse(v, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number_for_region(n, region):
            return True
    return False


_NOT_PHONE = re.compile(r"\d+\.\d+")  # decimals
_HAS_IPV4 = re.compile(r"(?:^|[^\d.])\d{1,3}(?:\.\d{1,3}){3}(?:$|[^\d.])")  # not 01.84.17.61.18
_HAS_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")


def encoded_phone(value: str) -> bool:
    """A phone number as it appears in a query string: percent-escapes decoded first."""
    from urllib.parse import unquote_plus

    return phone_shape(unquote_plus(value).strip())


def phone_shape(value: str) -> bool:
    """Digit count of a phone number (its extension aside), and not an IP, a date or a decimal."""
    d = digits(_EXTENSION.sub("", value))
    return (
        7 <= len(d) <= 15
        and len(set(d)) > 2
        and _NOT_PHONE.fullmatch(value) is None
        and _HAS_DATE.search(value) is None
        and _HAS_IPV4.search(value) is None
    )


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def btc_base58(value: str) -> bool:
    n = 0
    for c in value:
        i = _B58.find(c)
        if i < 0:
            return False
        n = n * 58 + i
    raw = n.to_bytes(25, "big") if n.bit_length() <= 200 else b""
    if len(raw) != 25:
        return False
    return hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (b >> i) & 1 else 0
    return chk


def btc_bech32(value: str) -> bool:
    v = value.lower()
    hrp, _, data = v.rpartition("1")
    if hrp not in ("bc", "tb") or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    vals = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + [_BECH32.index(c) for c in data]
    return _bech32_polymod(vals) in (1, 0x2BC830A3)  # bech32 / bech32m


def eth_address(value: str) -> bool:
    h = value[2:]
    return len(h) == 40 and len(set(h.lower())) > 4


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


# ---------------------------------------------------------------- host and domain names

# The Public Suffix List packaged in the pinned `publicsuffixlist` wheel: looked up offline,
# never refreshed from the network at run time. accept_unknown=False: "report.pdf",
# "os.path.join" and "foo.internal" end in no listed suffix.
_PSL = PublicSuffixList(accept_unknown=False)

# Suffixes that are also file extensions: "setup.py", "README.md", "libssl.so", "Main.java",
# "run.sh", "login.do". A host directly under one of them is dropped (a multi-label public
# suffix such as com.py still counts); bare hosts of these ccTLDs are the accepted miss.
_FILE_SUFFIXES = frozenset(
    {
        "py",
        "md",
        "sh",
        "so",
        "rs",
        "pl",
        "pm",
        "ps",
        "cc",
        "do",
        "java",
        "zip",
        "mov",
        "sc",
    }
)
# Single-label suffixes that are hosts' usual homes; other generic TLDs are mostly English words
# ("user.email", "user.name", "response.data", "self.app") and need a third label or a host-like
# label ("acme-mail.email", "web2.site").
_COMMON_GTLDS = frozenset(
    {
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "app",
        "dev",
        "xyz",
        "online",
        "site",
        "shop",
        "store",
        "tech",
        "cloud",
        "io",
        "ai",
        "co",
        "me",
        "tv",
        "aero",
        "coop",
        "museum",
        "mobi",
    }
)
# First labels of code paths, not host names: "self.config.value", "request.user.email",
# "np.linalg.norm", "com.example.app.MainActivity" (Java packages are reversed domains).
_CODE_ROOTS = frozenset(
    {
        "self",
        "this",
        "cls",
        "super",
        "os",
        "sys",
        "np",
        "pd",
        "tf",
        "torch",
        "math",
        "json",
        "obj",
        "req",
        "res",
        "request",
        "response",
        "ctx",
        "context",
        "config",
        "cfg",
        "settings",
        "conf",
        "options",
        "opts",
        "args",
        "kwargs",
        "params",
        "props",
        "state",
        "event",
        "evt",
        "err",
        "error",
        "exc",
        "logger",
        "logging",
        "console",
        "window",
        "document",
        "process",
        "module",
        "exports",
        "java",
        "javax",
        "android",
        "kotlin",
        "com",
        "org",
        "net",
        "user",
        "item",
        "model",
        "result",
        "row",
        "record",
        "message",
        "msg",
        "payload",
        "body",
        "headers",
        "env",
        "util",
        "utils",
        "string",
        "value",
        "object",
        "array",
        "data",
        "datetime",
        "subprocess",
        "asyncio",
        "random",
        "collections",
        "typing",
        "pytest",
        "session",
        "spring",
        "log4j",
        "hibernate",
        "django",
        "flask",
        "trace",
        "span",
        "labels",
        "container",
        "transaction",
        "metadata",
        "attributes",
        "parent",
        "organization",
        "destination",
        "order",
        "customer",
        "account",
    }
)
# Roots of structured-log field names (Elastic Common Schema, OpenTelemetry): "host.name",
# "service.name", "url.domain" are fields when they have two labels; "host.example.com" is a host.
_FIELD_ROOTS = frozenset(
    {
        "host",
        "service",
        "server",
        "client",
        "url",
        "http",
        "node",
        "pod",
        "log",
        "file",
        "agent",
        "cloud",
        "network",
        "observer",
        "package",
        "k8s",
        "source",
        "time",
        "date",
        "app",
        "job",
        "task",
        "thread",
    }
)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_VERSIONISH = re.compile(r"v?\d+[a-z]?\d*", re.IGNORECASE)


@lru_cache(maxsize=16384)
def domain_name(value: str) -> bool:
    """A host name ending in a public suffix of the packaged list, with a label before it, that
    is not a file name, a code path or a version string."""
    if len(value) > 253:
        return False
    labels = value.split(".")
    tld = labels[-1]
    if len(labels) < 2 or not (tld.islower() or tld.isupper()):  # "Hello.World", "user.getName"
        return False
    if not all(_LABEL.fullmatch(x) for x in labels):
        return False
    low = value.lower()
    suffix = _PSL.publicsuffix(low)
    if suffix is None or suffix == low:
        return False
    n_suffix = suffix.count(".") + 1
    if n_suffix == 1 and tld.lower() in _FILE_SUFFIXES:
        return False
    root = labels[0].lower()
    if root in _CODE_ROOTS or (len(labels) == 2 and root in _FIELD_ROOTS):
        return False
    host_labels = labels[: len(labels) - n_suffix]
    if all(_VERSIONISH.fullmatch(x) for x in host_labels):  # "1.2.app", "v2.dev"
        return False
    if n_suffix == 1 and len(labels) == 2 and tld.lower() not in _COMMON_GTLDS and len(tld) > 2:
        name = host_labels[0]
        return "-" in name or any(c.isdigit() for c in name)
    return True


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
