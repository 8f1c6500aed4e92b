"""The built-in recognizer families assemble into BUILTIN in the order the rules tier relies on;
declared digit floors hold for their validators."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.patterns import BUILTIN
from workers.detect.patterns.accounts import ACCOUNTS
from workers.detect.patterns.contact import CONTACT
from workers.detect.patterns.credentials import CREDENTIALS
from workers.detect.patterns.financial import FINANCIAL
from workers.detect.patterns.hosts import HOSTS
from workers.detect.patterns.national_ids import NATIONAL_IDS
from workers.detect.patterns.network import NETWORK
from workers.detect.patterns.people import PEOPLE
from workers.detect.patterns.security import SECURITY

# Recognizer order before the split into family modules: recognizers run in this order (deferred
# ones after the rest, seeing what earlier ones claimed), so a reordering changes which one wins.
# Recognizers added later go at the end of their family.
ORDER = [
    "email",
    "email_intl",
    "phone",
    "keyed_phone",
    "email_percent_encoded",
    "credit_card",
    "credit_card_dotted",
    "keyed_card",
    "iban",
    "crypto_btc",
    "crypto_bech32",
    "crypto_eth",
    "us_ssn",
    "us_ssn_spaced",
    "us_ssn_plain",
    "us_itin",
    "uk_nhs",
    "es_nif",
    "it_fiscal_code",
    "in_pan",
    "in_aadhaar",
    "ca_sin",
    "nl_bsn",
    "fr_nir",
    "us_ssn_dotted",
    "ipv4",
    "ipv6",
    "mac",
    "mac_dash",
    "mac_cisco",
    "url",
    "url_www",
    "mac_header",
    "ipv4_after_escape",
    "url_userinfo_password",
    "url_userinfo_user",
    "keyed_password",
    "quoted_password",
    "quoted_password_single",
    "password_phrase",
    "json_password",
    "aws_access_key",
    "google_api_key",
    "stripe_key",
    "slack_token",
    "github_token",
    "openai_style_key",
    "keyed_api_key",
    "pem_private_key",
    "authorization_basic",
    "basic_credentials",
    "jwt",
    "bearer",
    "keyed_token",
    "keyed_secret",
    "quoted_secret",
    "aws_secret_key",
    "keyed_session",
    "keyed_username",
    "ssh_user",
    "login_as",
    "clf_user",
    "sudo_user",
    "password_for_user",
    "keyed_dob",
    "keyed_mrn",
    "titled_person",
    "country",
    "windows_account",
    "downlevel_user",
    "quoted_user",
    "home_dir_user",
    "pam_by_user",
    "keyed_downlevel_user",
    "keyed_downlevel_escape",
    "csv_downlevel_user",
    "keyed_display_name",
    "arn_user",
    "sql_account",
    "sql_password",
    "sql_values_user_0",
    "sql_values_user_1",
    "sql_values_user_2",
    "sql_values_user_3",
    "openvpn_user",
    "ssh_for_user_from",
    "ssh_not_allowed",
    "dovecot_passdb_user",
    "dovecot_session_user",
    "shadow_user",
    "shadow_group_member",
    "aws_role_session",
    "wordpress_login",
    "wordpress_form",
    "ldap_dn_person",
    "ftp_user",
    "ftp_pass",
    "kerberos_cname",
    "windows_display_name",
    "keyed_city",
    "keyed_region",
    "kerberos_user_realm",
    "sql_role_name",
    "user_at_ipv4",
    "domain_name",
    "domain_name_caps",
]


def test_builtin_order_is_unchanged() -> None:
    assert [r.name for r in BUILTIN] == ORDER


def test_families_concatenate_to_builtin() -> None:
    families = (CONTACT, FINANCIAL, NATIONAL_IDS, NETWORK, CREDENTIALS, PEOPLE, ACCOUNTS, SECURITY, HOSTS)
    assert all(families)
    assert tuple(r for family in families for r in family) == BUILTIN


def test_recognizer_names_are_unique() -> None:
    assert len({r.name for r in BUILTIN}) == len(BUILTIN)


MIN_DIGITS = [r for r in BUILTIN if r.min_digits]
SHORT = st.text(alphabet="0123456789 +-.()x", max_size=24)


def test_some_recognizer_declares_a_digit_floor() -> None:
    assert [r.name for r in MIN_DIGITS] == ["phone"]


@pytest.mark.parametrize("rec", MIN_DIGITS, ids=lambda r: r.name)
@given(value=SHORT)
@settings(max_examples=400, deadline=None)
def test_min_digits_is_a_floor_of_the_validator(rec, value: str) -> None:
    # The shortcut in rules._evaluate drops candidates under the floor unvalidated; a value the
    # validator accepts must therefore hold at least that many digits.
    assert rec.validate is not None
    if sum(c.isdigit() for c in value) < rec.min_digits:
        assert not rec.validate(value)
    else:
        rec.validate(value)  # any answer; it must not raise
