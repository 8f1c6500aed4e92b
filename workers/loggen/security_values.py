"""Non-personal values of security logs (hosts, SIDs, ids, ports) and a few shared line pieces.

Real auth and audit logs are mostly such noise around one or two personal values; the formats
record most of it as decoys so evaluation shows when a detector fires on it."""

from __future__ import annotations

import string
from datetime import datetime

from workers.loggen.gold import _Builder
from workers.loggen.values import _Values

# Accounts that belong to no person: service, system and built-in accounts.
SYSTEM_ACCOUNTS = ("root", "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "www-data", "postgres", "nobody")
NETBIOS_DOMAINS = ("CORP", "ACME", "CONTOSO", "HQ", "EMEA", "FABRIKAM")
REALMS = ("CORP.EXAMPLE.COM", "EXAMPLE.ORG", "AD.ACME.IO", "FABRIKAM.LOCAL")


def syslog_prefix(b: _Builder, v: _Values, ts: datetime, prog: str, host: str = "", sep: str = ": ") -> None:
    """`Mon dd HH:MM:SS host prog[pid]: ` as rsyslog writes it (day padded with a space)."""
    b.t(f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S} {host or v.host()} {prog}[{v.r.randint(200, 65000)}]{sep}")


def alnum(v: _Values, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(v.r.choice(alphabet) for _ in range(n))


def workstation(v: _Values) -> str:
    return v.r.choice(
        [
            f"WKS-{v.r.randint(1, 999):03d}",
            f"LAPTOP-{alnum(v, 7, string.ascii_uppercase + string.digits)}",
            f"DESKTOP-{alnum(v, 7, string.ascii_uppercase + string.digits)}",
            f"DC{v.r.randint(1, 4):02d}",
        ]
    )


def sid(v: _Values) -> str:
    parts = "-".join(str(v.r.randint(10**8, 4 * 10**9)) for _ in range(3))
    return f"S-1-5-21-{parts}-{v.r.randint(1000, 9999)}"


def logon_id(v: _Values) -> str:
    return f"0x{v.r.randint(0x3E7, 0xFFFFFF):X}"


def aws_account(v: _Values) -> str:
    return str(v.r.randint(10**11, 10**12 - 1))


def src_port(b: _Builder, v: _Values) -> None:
    b.decoy("PORT", str(v.r.randint(1024, 65535)))


def ip4(v: _Values) -> str:
    """A client address: auth logs are mostly IPv4, public or internal."""
    return v.f.ipv4_public() if v.r.random() < 0.7 else v.f.ipv4_private()


def nonroutable(b: _Builder, v: _Values, choices: tuple[str, ...] = ("0.0.0.0", "127.0.0.1", "::")) -> None:
    """A wildcard or loopback address: shaped like an IP, belongs to no one."""
    b.decoy("NON_PERSONAL", v.r.choice(choices))


def epoch(ts: datetime) -> str:
    return f"{ts.timestamp():.6f}"


def zulu(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")
