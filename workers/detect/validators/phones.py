"""Phone numbers: formatted like one and valid for a configured region (phonenumbers)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import phonenumbers

from workers.detect.validators.checksums import digits

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
    """Digit count of a phone number (its extension and a dialling prefix aside), and not an IP, a
    date or a decimal. "0044 7911 123456" has 16 digits but is +44 and 10 of them: counted with
    the 00, the whole number failed and a shorter chunk ("0044 7911") was kept, leaking the rest."""
    if value[:1] == "0" and (idd := _IDD.match(value)) is not None:
        value = value[idd.end() :]
    if value.isascii():
        # The same checks with C-level necessary conditions first (candidates are short ASCII
        # strings of digits and separators): an extension needs an x or e, a date two of -/.,
        # an IP three dots.
        low = value.lower()
        d = (_EXTENSION.sub("", value) if "x" in low or "e" in low else value).encode().translate(None, _NON_DIGITS)
        seps = value.count("-") + value.count("/") + value.count(".")
        return (
            7 <= len(d) <= 15
            and len(set(d)) > 2
            and _NOT_PHONE.fullmatch(value) is None
            and (seps < 2 or _HAS_DATE.search(value) is None)
            and (value.count(".") < 3 or _HAS_IPV4.search(value) is None)
        )
    ds = digits(_EXTENSION.sub("", value))
    return (
        7 <= len(ds) <= 15
        and len(set(ds)) > 2
        and _NOT_PHONE.fullmatch(value) is None
        and _HAS_DATE.search(value) is None
        and _HAS_IPV4.search(value) is None
    )


# The bytes bytes.translate deletes to keep ASCII digits (validators.digits on ASCII text).
_NON_DIGITS = bytes(c for c in range(256) if not 48 <= c <= 57)
