"""Checksum and parse validators: a regex finds candidates, these decide if they are real.

Each takes the matched value and returns True (keep, validated) or False (drop).
Inputs are bounded by their regexes, so every validator here runs in constant time per match
(the few stdlib `re` patterns below are simple character-class runs on those bounded values).
"""

from workers.detect.validators.checksums import (
    btc_base58,
    btc_bech32,
    credit_card,
    digits,
    eth_address,
    iban,
    luhn,
    luhn_number,
)
from workers.detect.validators.credentials import (
    aws_secret,
    basic_credentials,
    downlevel_user,
    high_entropy,
    home_user,
    not_userinfo,
    password,
    random_token,
    secret_phrase,
    secret_value,
    session_id,
    session_value,
    url_password,
    url_username,
    username,
    windows_account,
)
from workers.detect.validators.hosts import domain_name, ip_address
from workers.detect.validators.names import display_name, titled_name
from workers.detect.validators.national_ids import (
    ca_sin,
    es_nif,
    fr_nir,
    in_aadhaar,
    in_pan,
    it_fiscal_code,
    nl_bsn,
    uk_nhs,
    us_itin,
    us_ssn,
)
from workers.detect.validators.phones import (
    DEFAULT_PHONE_REGIONS,
    encoded_phone,
    phone_regions,
    phone_shape,
    phone_valid,
)

__all__ = [
    "DEFAULT_PHONE_REGIONS",
    "clear_caches",
    "aws_secret",
    "basic_credentials",
    "btc_base58",
    "btc_bech32",
    "ca_sin",
    "credit_card",
    "digits",
    "display_name",
    "domain_name",
    "downlevel_user",
    "encoded_phone",
    "es_nif",
    "eth_address",
    "fr_nir",
    "high_entropy",
    "home_user",
    "iban",
    "in_aadhaar",
    "in_pan",
    "ip_address",
    "it_fiscal_code",
    "luhn",
    "luhn_number",
    "nl_bsn",
    "not_userinfo",
    "password",
    "phone_regions",
    "phone_shape",
    "phone_valid",
    "random_token",
    "secret_phrase",
    "secret_value",
    "session_id",
    "session_value",
    "titled_name",
    "uk_nhs",
    "us_itin",
    "url_password",
    "url_username",
    "us_ssn",
    "username",
    "windows_account",
]


def clear_caches() -> None:
    """Forget every memoised validator result (phone parses, host names). Benchmarks call it
    between passes over the same documents: otherwise a later pass costs what a stream that never
    repeats a value would not, and the figure flatters the rules path."""
    phone_valid.cache_clear()
    domain_name.cache_clear()
