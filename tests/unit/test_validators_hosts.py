"""IP address validation: the ASCII regex path agrees with the octet rule it replaces (minus the\nunspecified, broadcast and loopback addresses, which are nobody's)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.validators.hosts import ip_address


def _octet_rule(value: str) -> bool:
    parts = value.split(".")
    return (
        len(parts) == 4
        and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 and (p == "0" or p[0] != "0") for p in parts)
        and not (value in ("0.0.0.0", "255.255.255.255") or parts[0] == "127")
    )


@given(st.text(alphabet="0123456789.", max_size=18))
@settings(deadline=None)
def test_ipv4_regex_path_equals_the_octet_rule(value: str) -> None:
    if "." in value:
        assert ip_address(value) == _octet_rule(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        # unspecified, limited broadcast and loopback: no host's or person's address
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("127.0.0.1", False),
        ("127.12.0.9", False),
        ("1.27.0.0", True),
        ("10.0.0.0", True),
        ("10.0.0.1", True),
        ("256.1.1.1", False),
        ("01.2.3.4", False),
        ("1.2.3", False),
        ("1.2.3.4.5", False),
        ("1..3.4", False),
        ("1.2.3.4\n", False),
        ("2001:db8::1", True),
    ],
)
def test_ip_address_table(value: str, ok: bool) -> None:
    assert ip_address(value) is ok
