"""Synthetic log lines with gold PII spans, shared by tests, `pii-worker gen` and `make bench`.

Every document is assembled piece by piece (literal text or a typed value), so gold offsets are
exact by construction. Values are valid where a validator exists (Luhn cards, mod-97 IBANs,
valid-form SSNs, parseable IPs, phonenumbers-valid phones, base58check/bech32 wallets), so a
detector that validates is not penalised for doing so. Look-alikes that must NOT be flagged
(order ids, UUIDs, timestamps, versions, hashes, ports, non-Luhn 16-digit numbers) are recorded
as `decoys` so evaluation can count how often a detector fires on them.

Deterministic: document i of seed s is the same whatever n is (each document has its own seed).
Faker is a test extra, so it is imported lazily inside `generate`.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import random
import string
from urllib.parse import quote
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

# One checksum implementation: the generator encodes with the validator's bech32 polymod.
from workers.detect.validators import _BECH32, _bech32_polymod

if TYPE_CHECKING:  # pragma: no cover
    from faker import Faker

PII_TYPES: tuple[str, ...] = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "LOCATION", "DATE_OF_BIRTH",
    "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "MAC_ADDRESS", "URL", "USERNAME",
    "PASSWORD", "API_KEY", "ACCESS_TOKEN", "CRYPTO", "MEDICAL_RECORD_NUMBER", "DOMAIN_NAME",
)
# Decoy kinds: values shaped like PII that are not PII.
DECOY_TYPES: tuple[str, ...] = (
    "ORDER_ID", "UUID", "TIMESTAMP", "VERSION", "HEX_HASH", "PORT", "MESSAGE_ID",
)


class GoldSpan(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> GoldSpan:
        if self.end <= self.start:
            raise ValueError(f"gold span end {self.end} must be > start {self.start}")
        return self


class GoldDoc(BaseModel):
    id: str
    text: str
    spans: list[GoldSpan]
    format: str | None = None
    decoys: list[GoldSpan] = Field(default_factory=list)

    def values(self) -> list[tuple[str, str]]:
        return [(s.type, self.text[s.start : s.end]) for s in self.spans]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class _Builder:
    """Appends literal and typed pieces, recording exact offsets of the typed ones."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.spans: list[GoldSpan] = []
        self.decoys: list[GoldSpan] = []

    def t(self, s: str) -> _Builder:
        self.parts.append(s)
        self.n += len(s)
        return self

    def pii(self, typ: str, value: str) -> _Builder:
        assert value, typ
        self.spans.append(GoldSpan(type=typ, start=self.n, end=self.n + len(value)))
        return self.t(value)

    def decoy(self, kind: str, value: str) -> _Builder:
        self.decoys.append(GoldSpan(type=kind, start=self.n, end=self.n + len(value)))
        return self.t(value)

    def text(self) -> str:
        return "".join(self.parts)


# ---------------------------------------------------------------- value makers (validated)


class _Values:
    """Typed value generators over one Faker + one Random, both seeded per document."""

    def __init__(self, fake: Faker, rng: random.Random):
        self.f = fake
        self.r = rng

    # identity
    def person(self) -> str:
        while True:
            n = self.r.choice([self.f.name, lambda: f"{self.f.first_name()} {self.f.last_name()}"])()
            # Keep quoting trivial in JSON/SQL formats; titles (Dr., MD) are not part of the name.
            if "'" not in n and "." not in n and "," not in n:
                return n

    def first_last(self) -> tuple[str, str]:
        return self.f.first_name(), self.f.last_name()

    def email(self) -> str:
        return self.r.choice([self.f.email, self.f.free_email, self.f.company_email])()

    def username(self) -> str:
        u = self.f.user_name()
        return self.r.choice([u, u, f"{u}{self.r.randint(1, 99)}", u.replace("_", ".")]) or u

    def password(self) -> str:
        return self.f.password(length=self.r.randint(10, 18), special_chars=True)

    def dob(self) -> str:
        d: date = self.f.date_of_birth(minimum_age=18, maximum_age=90)
        return self.r.choice([d.isoformat(), d.strftime("%m/%d/%Y"), d.strftime("%B %d, %Y").replace(" 0", " ")])

    def street(self) -> str:
        return self.f.street_address()

    def full_address(self) -> str:
        return f"{self.f.street_address()}, {self.f.city()}, {self.f.state_abbr()} {self.f.postcode()}"

    def location(self) -> str:
        return self.r.choice([
            self.f.city, lambda: f"{self.f.city()}, {self.f.state_abbr()}", self.f.country,
            lambda: self.r.choice(["London", "Berlin", "Paris", "Madrid", "Toronto", "Chicago", "Austin", "Lisbon"]),
        ])()

    def mrn(self) -> str:
        d = "".join(self.r.choice(string.digits) for _ in range(self.r.choice([7, 8, 10])))
        return self.r.choice([d, f"MRN{d}", f"MRN-{d}"])

    # contact
    _AREAS = ("212", "213", "305", "312", "404", "415", "503", "512", "602", "617", "646", "702", "718", "773", "206", "303")

    def phone(self) -> str:
        import phonenumbers

        while True:
            if self.r.random() < 0.75:
                a = self.r.choice(self._AREAS)
                ex = f"{self.r.randint(2, 9)}{self.r.randint(0, 9)}{self.r.randint(0, 9)}"
                if ex[1:] == "11" or ex == "555":
                    continue
                ln = f"{self.r.randint(0, 9999):04d}"
                s = self.r.choice([
                    f"({a}) {ex}-{ln}", f"{a}-{ex}-{ln}", f"+1 {a}-{ex}-{ln}", f"+1{a}{ex}{ln}",
                    f"{a}.{ex}.{ln}", f"+1 ({a}) {ex}-{ln}", f"1-{a}-{ex}-{ln}",
                ])
                region = "US"
            else:
                s, region = self.r.choice([
                    (f"+44 20 7{self.r.randint(100, 999)} {self.r.randint(1000, 9999)}", "GB"),
                    (f"+49 30 {self.r.randint(1000000, 9999999)}", "DE"),
                    (f"+33 1 {self.r.randint(10, 99)} {self.r.randint(10, 99)} {self.r.randint(10, 99)} {self.r.randint(10, 99)}", "FR"),
                    (f"+61 2 {self.r.randint(8000, 9999)} {self.r.randint(1000, 9999)}", "AU"),
                ])
            try:
                if phonenumbers.is_valid_number(phonenumbers.parse(s, region)):
                    return s
            except phonenumbers.NumberParseException:
                pass

    # financial
    def card(self) -> str:
        kind = self.r.choice(["visa16", "mastercard", "amex", "discover", "visa16"])
        n = self.f.credit_card_number(card_type=kind)
        assert _luhn_ok(n), n
        if self.r.random() < 0.35:
            if len(n) == 15:  # amex 4-6-5
                n = " ".join([n[:4], n[4:10], n[10:]])
            else:
                sep = self.r.choice([" ", "-"])
                n = sep.join(n[i : i + 4] for i in range(0, len(n), 4))
        return n

    def iban(self) -> str:
        from stdnum import iban as std_iban

        while True:
            country = self.r.choice(["GB", "DE", "FR", "ES", "NL", "IT", "BE", "PL"])
            v = _make_iban(country, self.r)
            if std_iban.is_valid(v):
                break
        if self.r.random() < 0.4:
            v = " ".join(v[i : i + 4] for i in range(0, len(v), 4))
        return v

    def ssn(self) -> str:
        while True:
            a, g, s = self.r.randint(1, 899), self.r.randint(1, 99), self.r.randint(1, 9999)
            if a == 666:
                continue
            v = f"{a:03d}-{g:02d}-{s:04d}"
            if v not in ("078-05-1120", "219-09-9999", "123-45-6789"):
                return v

    def crypto(self) -> str:
        k = self.r.random()
        payload = bytes(self.r.getrandbits(8) for _ in range(20))
        if k < 0.45:
            return _base58check(bytes([self.r.choice([0x00, 0x05])]) + payload)
        if k < 0.8:
            return _bech32_encode("bc", [0] + _convertbits(payload, 8, 5))
        return "0x" + payload.hex()

    # network
    def ip(self) -> str:
        k = self.r.random()
        if k < 0.55:
            return self.f.ipv4_public()
        if k < 0.7:
            return self.f.ipv4_private()
        v6 = ipaddress.IPv6Address(self.f.ipv6())
        return self.r.choice([str(v6), v6.exploded, f"2001:db8:{self.r.randint(1, 0xFFFF):x}::{self.r.randint(1, 0xFFFF):x}"])

    def mac(self) -> str:
        m = self.f.mac_address()
        k = self.r.random()
        if k < 0.2:
            return m.replace(":", "-").upper()
        if k < 0.3:
            h = m.replace(":", "")
            return ".".join(h[i : i + 4] for i in range(0, 12, 4))
        return m

    def url(self) -> str:
        base = self.f.url().rstrip("/")
        return self.r.choice([base, f"{base}/{self.f.uri_path()}", f"{base}/{self.f.uri_path()}?ref={self.f.user_name()}"])

    # secrets
    def api_key(self) -> str:
        a = string.ascii_letters + string.digits
        k = self.r.random()
        if k < 0.3:
            return "sk_live_" + "".join(self.r.choice(a) for _ in range(24))
        if k < 0.5:
            return "AIza" + "".join(self.r.choice(a + "-_") for _ in range(35))
        if k < 0.75:
            return self.aws_key_id()
        return "".join(self.r.choice(string.hexdigits.lower()[:16]) for _ in range(32))

    def aws_key_id(self) -> str:
        # Cloud provider key: API_KEY in the taxonomy (schemas/pii.yaml).
        return "AKIA" + "".join(self.r.choice(string.ascii_uppercase + "234567") for _ in range(16))

    def access_token(self) -> str:
        k = self.r.random()
        if k < 0.6:
            return self.jwt()
        if k < 0.8:  # GitHub personal access token
            return "ghp_" + "".join(self.r.choice(string.ascii_letters + string.digits) for _ in range(36))
        return "xoxb-" + "-".join(str(self.r.randint(10**10, 10**11)) for _ in range(2)) + "-" + "".join(
            self.r.choice(string.ascii_letters + string.digits) for _ in range(24)
        )

    def bearer(self) -> str:
        if self.r.random() < 0.7:
            return self.jwt()
        return "".join(self.r.choice(string.ascii_letters + string.digits + "-_") for _ in range(40))

    def jwt(self) -> str:
        def b64(d: dict[str, Any] | bytes) -> str:
            raw = d if isinstance(d, bytes) else json.dumps(d, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        head = {"alg": self.r.choice(["HS256", "RS256"]), "typ": "JWT"}
        body = {"sub": str(self.r.randint(1000, 99999)), "iat": 1700000000 + self.r.randint(0, 10**7)}
        return f"{b64(head)}.{b64(body)}.{b64(bytes(self.r.getrandbits(8) for _ in range(32)))}"

    # decoys
    def order_id(self) -> str:
        return self.r.choice([
            f"ORD-{self.r.randint(2019, 2026)}-{self.r.randint(0, 999999):06d}",
            f"INV{self.r.randint(10**7, 10**8 - 1)}",
            self.non_luhn16(),
        ])

    def non_luhn16(self) -> str:
        while True:
            d = str(self.r.randint(10**15, 10**16 - 1))
            if not _luhn_ok(d):
                return d

    def uuid(self) -> str:
        return str(self.f.uuid4())

    def version(self) -> str:
        return self.r.choice([f"{self.r.randint(0, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 40)}",
                              f"v{self.r.randint(1, 5)}.{self.r.randint(0, 20)}.{self.r.randint(0, 9)}"])

    def hexhash(self) -> str:
        return self.r.choice([self.f.sha1, self.f.md5, self.f.sha256])()

    def port(self) -> str:
        return str(self.r.choice([80, 443, 5432, 6379, 8080, 8443, 9092, self.r.randint(1024, 65535)]))

    def when(self) -> datetime:
        base = datetime(2026, 1, 1, tzinfo=timezone.utc)
        return base + timedelta(seconds=self.r.randint(0, 330 * 86400), microseconds=self.r.randint(0, 999999))

    def host(self) -> str:
        return self.r.choice(["web-01", "api-7", "db-primary", "edge-03", "worker-12", "auth-2"])


def _luhn_ok(num: str) -> bool:
    digits = [int(c) for c in num if c.isdigit()]
    tot = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        tot += d
    return len(digits) >= 12 and tot % 10 == 0


_IBAN_BBAN = {  # country: (length of BBAN, kind per char: a=upper, n=digit)
    "GB": "aaaannnnnnnnnnnnnn", "DE": "nnnnnnnnnnnnnnnnnn", "FR": "nnnnnnnnnnnnnnnnnnnnnnn",
    "ES": "nnnnnnnnnnnnnnnnnnnn", "NL": "aaaannnnnnnnnn", "IT": "annnnnnnnnnnnnnnnnnnnnn",
    "BE": "nnnnnnnnnnnn", "PL": "nnnnnnnnnnnnnnnnnnnnnnnn",
}


def _make_iban(country: str, r: random.Random) -> str:
    bban = "".join(r.choice(string.ascii_uppercase) if k == "a" else r.choice(string.digits) for k in _IBAN_BBAN[country])
    if country == "FR":  # RIB key check digits: keep stdnum's national check happy
        b, g, c = int(bban[:5]), int(bban[5:10]), int(bban[10:21])
        bban = bban[:21] + f"{97 - (89 * b + 15 * g + 3 * c) % 97:02d}"
    if country == "BE":
        bban = bban[:10] + f"{(int(bban[:10]) % 97) or 97:02d}"
    num = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(num) % 97:02d}{bban}"


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58check(payload: bytes) -> str:
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, rem = divmod(n, 58)
        out = _B58[rem] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out




def _bech32_encode(hrp: str, data: list[int]) -> str:
    expand = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _bech32_polymod(expand + data + [0] * 6) ^ 1
    chk = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + chk)


def _convertbits(data: bytes, frm: int, to: int) -> list[int]:
    acc = bits = 0
    out = []
    for b in data:
        acc = (acc << frm) | b
        bits += frm
        while bits >= to:
            bits -= to
            out.append((acc >> bits) & ((1 << to) - 1))
    if bits:
        out.append((acc << (to - bits)) & ((1 << to) - 1))
    return out


# ---------------------------------------------------------------- formats

_Fmt = Callable[[_Builder, _Values], None]


def _ua(v: _Values) -> str:
    return v.f.user_agent()


def fmt_nginx(b: _Builder, v: _Values) -> None:
    ts = v.when()
    b.pii("IP_ADDRESS", v.ip()).t(" - ")
    if v.r.random() < 0.4:
        b.pii("USERNAME", v.username())
    else:
        b.t("-")
    b.t(" [").decoy("TIMESTAMP", ts.strftime("%d/%b/%Y:%H:%M:%S +0000")).t('] "')
    b.t(v.r.choice(["GET", "POST", "PUT", "DELETE"]) + " /")
    k = v.r.random()
    if k < 0.25:
        b.t("api/v1/users?email=").pii("EMAIL_ADDRESS", v.email())
    elif k < 0.45:
        b.t("api/orders/").decoy("ORDER_ID", v.order_id())
    elif k < 0.6:
        b.t("reset-password?token=").pii("ACCESS_TOKEN", v.jwt())
    elif k < 0.7:
        b.t("static/app-").decoy("HEX_HASH", v.f.md5()[:12]).t(".js")
    else:
        b.t(v.f.uri_path())
    b.t(f' HTTP/1.1" {v.r.choice([200, 200, 201, 302, 404, 500])} {v.r.randint(0, 99999)} "')
    if v.r.random() < 0.5:
        b.pii("URL", v.url())
    else:
        b.t("-")
    b.t(f'" "{_ua(v)}"')
    if v.r.random() < 0.5:
        b.t(f" rt={v.r.random():.3f} upstream=")
        # The upstream is our own service, but an IP is an IP in the taxonomy: gold.
        b.pii("IP_ADDRESS", f"10.0.{v.r.randint(0, 9)}.{v.r.randint(1, 250)}").t(":").decoy("PORT", v.port())


def fmt_apache(b: _Builder, v: _Values) -> None:
    ts = v.when()
    b.t(f"{v.host()}.example.internal:").decoy("PORT", v.port()).t(" ")
    b.pii("IP_ADDRESS", v.ip()).t(" - ")
    if v.r.random() < 0.5:
        b.pii("USERNAME", v.username())
    else:
        b.t("-")
    b.t(" [").decoy("TIMESTAMP", ts.strftime("%d/%b/%Y:%H:%M:%S +0000")).t('] "')
    k = v.r.random()
    if k < 0.3:
        # In a query string the password is percent-encoded, as a browser sends it.
        b.t("GET /login?user=").pii("USERNAME", v.username()).t("&password=").pii("PASSWORD", quote(v.password(), safe=""))
    elif k < 0.5:
        b.t("GET /download/").pii("PERSON", v.person().replace(" ", "_")).t(".pdf")
    elif k < 0.7:
        b.t("POST /api/v2/session/").decoy("UUID", v.uuid())
    else:
        b.t("GET /").t(v.f.uri_path()).t("?v=").decoy("VERSION", v.version())
    b.t(f' HTTP/1.1" {v.r.choice([200, 204, 401, 403])} {v.r.randint(100, 50000)}')
    if v.r.random() < 0.5:
        b.t(' "').pii("URL", v.url()).t(f'" "{_ua(v)}"')


def _jstr(b: _Builder, key: str, typ: str | None, value: str, decoy: bool = False) -> None:
    b.t(f'"{key}": "')
    if typ is None:
        b.t(value)
    elif decoy:
        b.decoy(typ, value)
    else:
        b.pii(typ, value)
    b.t('"')


def fmt_json(b: _Builder, v: _Values) -> None:
    ts = v.when()
    b.t("{")
    _jstr(b, "ts", "TIMESTAMP", ts.isoformat().replace("+00:00", "Z"), decoy=True)
    b.t(", ")
    _jstr(b, "level", None, v.r.choice(["INFO", "WARN", "ERROR", "DEBUG"]))
    b.t(", ")
    _jstr(b, "service", None, v.r.choice(["auth", "billing", "checkout", "profile", "notify"]))
    b.t(", ")
    _jstr(b, "request_id", "UUID", v.uuid(), decoy=True)
    b.t(", ")
    k = v.r.random()
    if k < 0.2:
        _jstr(b, "msg", None, "user login")
        b.t(', "user": {')
        _jstr(b, "name", "PERSON", v.person())
        b.t(", ")
        _jstr(b, "email", "EMAIL_ADDRESS", v.email())
        b.t("}, ")
        _jstr(b, "client_ip", "IP_ADDRESS", v.ip())
    elif k < 0.4:
        _jstr(b, "msg", None, "payment authorised")
        b.t(", ")
        _jstr(b, "order_id", "ORDER_ID", v.order_id(), decoy=True)
        b.t(", ")
        if v.r.random() < 0.5:
            _jstr(b, "card", "CREDIT_CARD", v.card())
        else:
            _jstr(b, "iban", "IBAN_CODE", v.iban())
        b.t(f', "amount": {v.r.randint(1, 99999) / 100:.2f}')
    elif k < 0.55:
        _jstr(b, "msg", None, "profile updated")
        b.t(", ")
        _jstr(b, "phone", "PHONE_NUMBER", v.phone())
        b.t(", ")
        _jstr(b, "address", "STREET_ADDRESS", v.full_address())
        b.t(", ")
        _jstr(b, "dob", "DATE_OF_BIRTH", v.dob())
    elif k < 0.7:
        _jstr(b, "msg", None, "outbound call")
        b.t(', "headers": {')
        b.t('"authorization": "Bearer ').pii("ACCESS_TOKEN", v.bearer()).t('"')
        b.t(", ")
        _jstr(b, "x-api-key", "API_KEY", v.api_key())
        b.t("}, ")
        _jstr(b, "upstream_version", "VERSION", v.version(), decoy=True)
    elif k < 0.85:
        _jstr(b, "msg", None, "device registered")
        b.t(", ")
        _jstr(b, "username", "USERNAME", v.username())
        b.t(", ")
        _jstr(b, "mac", "MAC_ADDRESS", v.mac())
        b.t(", ")
        _jstr(b, "commit", "HEX_HASH", v.f.sha1(), decoy=True)
    else:
        _jstr(b, "msg", None, "patient record viewed")
        b.t(", ")
        _jstr(b, "mrn", "MEDICAL_RECORD_NUMBER", v.mrn())
        b.t(", ")
        _jstr(b, "patient", "PERSON", v.person())
        b.t(", ")
        _jstr(b, "ssn", "US_SSN", v.ssn())
    b.t(f', "duration_ms": {v.r.randint(1, 5000)}}}')


def fmt_syslog(b: _Builder, v: _Values) -> None:
    ts = v.when()
    host = v.host()
    pid = v.r.randint(100, 65000)
    if v.r.random() < 0.5:
        b.t(f"<{v.r.randint(0, 191)}>1 ").decoy("TIMESTAMP", ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")).t(f" {host} ")
    else:
        b.decoy("TIMESTAMP", f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S}").t(f" {host} ")
    k = v.r.random()
    if k < 0.35:
        ok = v.r.random() < 0.5
        b.t(f"sshd[{pid}]: {'Accepted publickey' if ok else 'Failed password'} for ")
        b.t("invalid user " if not ok and v.r.random() < 0.3 else "")
        b.pii("USERNAME", v.username()).t(" from ").pii("IP_ADDRESS", v.ip()).t(" port ").decoy("PORT", v.port()).t(" ssh2")
    elif k < 0.6:
        b.t(f"postfix/smtp[{pid}]: ").decoy("HEX_HASH", v.f.md5()[:10].upper()).t(": to=<").pii("EMAIL_ADDRESS", v.email())
        b.t(">, relay=").pii("DOMAIN_NAME", f"mx.{v.f.domain_name()}").t("[").pii("IP_ADDRESS", v.ip()).t(f"]:25, delay={v.r.random() * 3:.2f}, status=sent")
    elif k < 0.8:
        b.t(f"dhcpd[{pid}]: DHCPACK on ").pii("IP_ADDRESS", v.f.ipv4_private()).t(" to ").pii("MAC_ADDRESS", v.mac())
        b.t(" (").t(v.r.choice(["android-", "iphone-", "laptop-"]) + v.f.first_name().lower()).t(") via eth0")
    else:
        b.t(f"sudo[{pid}]: ").pii("USERNAME", v.username()).t(" : TTY=pts/").t(str(v.r.randint(0, 9)))
        b.t(" ; PWD=/home/").pii("USERNAME", v.username()).t(" ; USER=root ; COMMAND=/usr/bin/apt-get upgrade")


def fmt_sql(b: _Builder, v: _Values) -> None:
    k = v.r.random()

    def q(typ: str, val: str) -> None:
        b.t("'").pii(typ, val).t("'")

    if k < 0.35:
        b.t("INSERT INTO customers (name, email, phone, ssn, created_at) VALUES (")
        q("PERSON", v.person())
        b.t(", ")
        q("EMAIL_ADDRESS", v.email())
        b.t(", ")
        q("PHONE_NUMBER", v.phone())
        b.t(", ")
        q("US_SSN", v.ssn())
        b.t(", '").decoy("TIMESTAMP", v.when().strftime("%Y-%m-%d %H:%M:%S")).t("');")
    elif k < 0.6:
        b.t("UPDATE payment_methods SET card_number = ")
        q("CREDIT_CARD", v.card())
        b.t(", iban = ")
        q("IBAN_CODE", v.iban())
        b.t(f" WHERE customer_id = {v.r.randint(1, 10**6)} AND order_ref = '").decoy("ORDER_ID", v.order_id()).t("';")
    elif k < 0.8:
        b.t("SELECT id, diagnosis FROM patients WHERE mrn = ")
        q("MEDICAL_RECORD_NUMBER", v.mrn())
        b.t(" AND date_of_birth = ")
        q("DATE_OF_BIRTH", v.dob())
        b.t(f" LIMIT {v.r.randint(1, 50)};")
    else:
        b.t("INSERT INTO audit_log (actor, ip, mac, wallet, at) VALUES (")
        q("USERNAME", v.username())
        b.t(", ")
        q("IP_ADDRESS", v.ip())
        b.t(", ")
        q("MAC_ADDRESS", v.mac())
        b.t(", ")
        q("CRYPTO", v.crypto())
        b.t(", now());")
    if v.r.random() < 0.3:
        b.t(f" -- duration: {v.r.random() * 100:.3f} ms")


def fmt_stacktrace(b: _Builder, v: _Values) -> None:
    if v.r.random() < 0.5:
        b.t("Traceback (most recent call last):\n")
        b.t(f'  File "/srv/app/billing/charge.py", line {v.r.randint(10, 900)}, in charge\n')
        b.t("    gateway.authorize(card, amount)\n")
        b.t(f'  File "/srv/venv/lib/python3.11/site-packages/gateway/client.py", line {v.r.randint(10, 900)}, in authorize\n')
        b.t("    raise CardDeclined(card)\n")
        k = v.r.random()
        if k < 0.5:
            b.t("gateway.errors.CardDeclined: card ").pii("CREDIT_CARD", v.card()).t(" declined for ").pii("EMAIL_ADDRESS", v.email())
        else:
            b.t("ValueError: invalid IBAN ").pii("IBAN_CODE", v.iban()).t(" for customer ").pii("PERSON", v.person())
    else:
        cls = v.r.choice(["IllegalStateException", "IllegalArgumentException", "RuntimeException"])
        b.t(f"java.lang.{cls}: ")
        k = v.r.random()
        if k < 0.35:
            b.t("duplicate account for SSN ").pii("US_SSN", v.ssn()).t(" (phone ").pii("PHONE_NUMBER", v.phone()).t(")")
        elif k < 0.7:
            ip = v.ip()
            b.t("connection refused to ")
            if ":" in ip:  # IPv6 with a port is bracketed, as every real client prints it
                b.t("[").pii("IP_ADDRESS", ip).t("]:")
            else:
                b.pii("IP_ADDRESS", ip).t(":")
            b.decoy("PORT", v.port()).t(" as user ").pii("USERNAME", v.username())
        else:
            b.t("token rejected: ").pii("ACCESS_TOKEN", v.access_token()).t(" session ").decoy("UUID", v.uuid())
        b.t("\n")
        for _ in range(v.r.randint(2, 4)):
            m = v.r.choice(["PaymentService.charge", "AccountRepo.save", "HttpClient.send", "AuthFilter.doFilter"])
            b.t(f"\tat com.acme.{m}({m.split('.')[0]}.java:{v.r.randint(20, 900)})\n")
        b.t("\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:")
        b.t(str(v.r.randint(800, 900))).t(") ~[spring-webmvc-").decoy("VERSION", v.version().lstrip("v")).t(".jar]")


def fmt_ticket(b: _Builder, v: _Values) -> None:
    ticket = f"#{v.r.randint(10000, 99999)}"
    first, last = v.first_last()
    b.t(f"Ticket {ticket}: ")
    k = v.r.random()
    if k < 0.3:
        b.t("Hi, my name is ").pii("PERSON", f"{first} {last}").t(" and I was charged twice for order ")
        b.decoy("ORDER_ID", v.order_id()).t(". The card number ").pii("CREDIT_CARD", v.card())
        b.t(" is mine. Please call me back at ").pii("PHONE_NUMBER", v.phone()).t(" or write to ").pii("EMAIL_ADDRESS", v.email()).t(".")
    elif k < 0.55:
        b.t("Customer ").pii("PERSON", f"{first} {last}").t(" moved to ").pii("STREET_ADDRESS", v.full_address())
        b.t(" and wants invoices sent there. DOB on file: ").pii("DATE_OF_BIRTH", v.dob()).t(". Refund to IBAN ").pii("IBAN_CODE", v.iban()).t(".")
    elif k < 0.75:
        b.t("I can't log in as ").pii("USERNAME", v.username()).t(" since version ").decoy("VERSION", v.version())
        b.t(". I tried password ").pii("PASSWORD", v.password()).t(" from ").pii("LOCATION", v.location())
        b.t(" and got error ").decoy("HEX_HASH", v.f.md5()[:8]).t(". - ").pii("PERSON", first)
    elif k < 0.9:
        b.t("Patient ").pii("PERSON", f"{first} {last}").t(" (MRN ").pii("MEDICAL_RECORD_NUMBER", v.mrn())
        b.t(", SSN ").pii("US_SSN", v.ssn()).t(") asked for records to be sent to ").pii("STREET_ADDRESS", v.street())
        b.t(" in ").pii("LOCATION", v.location()).t(".")
    else:
        b.t("Please send the refund in BTC to ").pii("CRYPTO", v.crypto()).t(" - thanks, ").pii("PERSON", f"{first} {last}")
        b.t(" (").pii("URL", v.url()).t(")")


def fmt_kv(b: _Builder, v: _Values) -> None:
    b.t("time=").decoy("TIMESTAMP", v.when().isoformat().replace("+00:00", "Z")).t(" level=")
    b.t(v.r.choice(["info", "warn", "error"])).t(" ")
    k = v.r.random()
    if k < 0.25:
        b.t('msg="signup" user=').pii("USERNAME", v.username()).t(" email=").pii("EMAIL_ADDRESS", v.email())
        b.t(" phone=").pii("PHONE_NUMBER", v.phone()).t(" password=").pii("PASSWORD", v.password())
    elif k < 0.45:
        b.t('msg="charge" order_id=').decoy("ORDER_ID", v.order_id()).t(" card=").pii("CREDIT_CARD", v.card())
        b.t(f" amount={v.r.randint(1, 10**5) / 100:.2f} currency=USD")
    elif k < 0.6:
        b.t('msg="api call" api_key=').pii("API_KEY", v.api_key()).t(" client_ip=").pii("IP_ADDRESS", v.ip())
        b.t(" trace_id=").decoy("HEX_HASH", v.f.md5())
    elif k < 0.75:
        b.t('msg="kyc" ssn=').pii("US_SSN", v.ssn()).t(" dob=").pii("DATE_OF_BIRTH", v.dob())
        b.t(' name="').pii("PERSON", v.person()).t('"')
    elif k < 0.88:
        b.t('msg="webhook" url=').pii("URL", v.url()).t(" aws_access_key_id=").pii("API_KEY", v.aws_key_id())
        b.t(" build=").decoy("VERSION", v.version())
    else:
        b.t('msg="payout" wallet=').pii("CRYPTO", v.crypto()).t(" iban=").pii("IBAN_CODE", v.iban())
        b.t(" batch=").decoy("UUID", v.uuid())
    b.t(f" latency_ms={v.r.randint(1, 3000)} host={v.host()}")


# Formats added after the rules were first tuned against the ones above: the benchmark reports
# them separately as a held-out check of how the rules generalise to log shapes they were not
# written against.


def fmt_haproxy(b: _Builder, v: _Values) -> None:
    ts = v.when()
    b.t(f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S} lb-{v.r.randint(1, 4)} haproxy[{v.r.randint(100, 60000)}]: ")
    ip = v.ip()
    if ":" in ip:
        b.t("[").pii("IP_ADDRESS", ip).t("]:")
    else:
        b.pii("IP_ADDRESS", ip).t(":")
    b.decoy("PORT", str(v.r.randint(1024, 65535))).t(" [").decoy("TIMESTAMP", ts.strftime("%d/%b/%Y:%H:%M:%S.") + f"{ts.microsecond // 1000:03d}")
    b.t(f"] fe_https~ be_app/app-{v.r.randint(1, 9)} 0/0/{v.r.randint(0, 9)}/{v.r.randint(1, 300)}/{v.r.randint(1, 400)} ")
    b.t(f"{v.r.choice([200, 200, 302, 401, 503])} {v.r.randint(200, 90000)} - - ---- 1/1/0/0/0 0/0 {{")
    b.t(_ua(v).split(" (")[0]).t("|")
    if v.r.random() < 0.5:
        b.pii("URL", v.url())
    b.t('} "')
    k = v.r.random()
    if k < 0.35:
        b.t("GET /account/lookup?phone=").pii("PHONE_NUMBER", quote(v.phone(), safe="()"))
    elif k < 0.7:
        b.t("POST /api/password-reset?login=").pii("USERNAME", v.username())
    else:
        b.t("GET /v2/items/").decoy("UUID", v.uuid())
    b.t(' HTTP/1.1"')


def fmt_k8s(b: _Builder, v: _Values) -> None:
    ts = v.when()
    b.t('{"log":"').decoy("TIMESTAMP", ts.isoformat().replace("+00:00", "Z")).t(" ")
    k = v.r.random()
    if k < 0.3:
        b.t("INFO  [checkout] order ").decoy("ORDER_ID", v.order_id()).t(" placed by ").pii("EMAIL_ADDRESS", v.email())
        b.t(", ship to ").pii("STREET_ADDRESS", v.full_address())
    elif k < 0.55:
        b.t("WARN  [kyc] manual review for ").pii("PERSON", v.person()).t(" born ").pii("DATE_OF_BIRTH", v.dob())
        b.t(" tax id ").pii("US_SSN", v.ssn())
    elif k < 0.8:
        b.t("ERROR [payout] transfer to ").pii("IBAN_CODE", v.iban()).t(" rejected, contact ").pii("PHONE_NUMBER", v.phone())
    else:
        b.t("DEBUG [gateway] upstream token=").pii("ACCESS_TOKEN", v.jwt()).t(" peer=").pii("IP_ADDRESS", v.ip())
    b.t('\\n","stream":"').t(v.r.choice(["stdout", "stderr"])).t('","time":"').decoy("TIMESTAMP", ts.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z").t('"}')


def fmt_csv(b: _Builder, v: _Values) -> None:
    cols = v.r.choice([
        ("customer_id", "full_name", "email", "phone", "dob", "ssn"),
        ("id", "name", "card_number", "iban", "ip"),
    ])
    b.t(",".join(cols) + "\n")
    b.t(str(v.r.randint(1000, 999999)))
    for c in cols[1:]:
        b.t(",")
        if c in ("full_name", "name"):
            first, last = v.first_last()
            if v.r.random() < 0.5:
                b.t('"').pii("PERSON", f"{last}, {first}").t('"')
            else:
                b.pii("PERSON", f"{first} {last}")
        elif c == "email":
            b.pii("EMAIL_ADDRESS", v.email())
        elif c == "phone":
            b.pii("PHONE_NUMBER", v.phone())
        elif c == "dob":
            b.pii("DATE_OF_BIRTH", v.dob().replace(",", ""))
        elif c == "ssn":
            b.pii("US_SSN", v.ssn())
        elif c == "card_number":
            b.pii("CREDIT_CARD", v.card())
        elif c == "iban":
            b.pii("IBAN_CODE", v.iban())
        elif c == "ip":
            b.pii("IP_ADDRESS", v.ip())


def fmt_mail(b: _Builder, v: _Values) -> None:
    ts = v.when()
    b.t("Received: from ").pii("DOMAIN_NAME", f"mail.{v.f.domain_name()}").t(" ([").pii("IP_ADDRESS", v.f.ipv4_public()).t("])\n")
    b.t("From: ").pii("PERSON", v.person()).t(" <").pii("EMAIL_ADDRESS", v.email()).t(">\n")
    b.t('To: "').pii("PERSON", v.person()).t('" <').pii("EMAIL_ADDRESS", v.email()).t(">\n")
    b.t("Date: ").decoy("TIMESTAMP", ts.strftime("%a, %d %b %Y %H:%M:%S +0000")).t("\n")
    # A Message-ID has the shape of an address but is not a mailbox.
    b.t("Message-ID: <").decoy("MESSAGE_ID", f"{v.f.md5()[:16]}.{v.r.randint(1000, 9999)}@mail.example.com").t(">\n")
    k = v.r.random()
    if k < 0.5:
        b.t("Subject: Re: refund for card ").pii("CREDIT_CARD", v.card())
    else:
        b.t("Subject: Your new password is ").pii("PASSWORD", v.password())


def fmt_cef(b: _Builder, v: _Values) -> None:
    b.t("CEF:0|Acme|WAF|").decoy("VERSION", v.version().lstrip("v")).t(f"|{v.r.randint(1000, 9999)}|")
    b.t(v.r.choice(["SQL injection blocked", "Credential stuffing", "Suspicious login"])).t(f"|{v.r.randint(1, 10)}|")
    b.t("src=").pii("IP_ADDRESS", v.f.ipv4_public()).t(" spt=").decoy("PORT", str(v.r.randint(1024, 65535)))
    b.t(" dst=").pii("IP_ADDRESS", v.f.ipv4_private()).t(" dpt=").decoy("PORT", v.r.choice(["443", "8443"]))
    b.t(" suser=").pii("USERNAME", v.username())
    if v.r.random() < 0.5:
        b.t(" smac=").pii("MAC_ADDRESS", v.mac())
    b.t(" request=").pii("URL", v.url())
    if v.r.random() < 0.5:
        b.t(" cs1Label=customerEmail cs1=").pii("EMAIL_ADDRESS", v.email())
    else:
        b.t(" cs2Label=wallet cs2=").pii("CRYPTO", v.crypto())
    b.t(f" rt={1700000000000 + v.r.randint(0, 10**10)}")


FORMATS: dict[str, _Fmt] = {
    "nginx": fmt_nginx,
    "apache": fmt_apache,
    "json": fmt_json,
    "syslog": fmt_syslog,
    "sql": fmt_sql,
    "stacktrace": fmt_stacktrace,
    "ticket": fmt_ticket,
    "kv": fmt_kv,
    "haproxy": fmt_haproxy,
    "k8s": fmt_k8s,
    "csv": fmt_csv,
    "mail": fmt_mail,
    "cef": fmt_cef,
}
# Added after the rules were first tuned on the formats above (see the comment before fmt_haproxy).
HELD_OUT_FORMATS: tuple[str, ...] = ("haproxy", "k8s", "csv", "mail", "cef")


def generate(n: int, seed: int = 0, formats: Sequence[str] | None = None, *, locale: str = "en_US") -> list[GoldDoc]:
    return list(iter_docs(n, seed, formats, locale=locale))


def iter_docs(n: int, seed: int = 0, formats: Sequence[str] | None = None, *, locale: str = "en_US") -> Iterator[GoldDoc]:
    """Yield n documents; document i depends only on (seed, i, formats)."""
    try:
        from faker import Faker
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("the log generator needs Faker: pip install 'pii-workers[test]'") from e

    names = list(formats) if formats else list(FORMATS)
    unknown = [f for f in names if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; known: {sorted(FORMATS)}")
    fake = Faker(locale)
    for i in range(n):
        doc_seed = (seed * 1_000_003 + i) & 0x7FFFFFFF
        rng = random.Random(doc_seed)
        fake.seed_instance(doc_seed)
        fmt = rng.choice(names)
        b = _Builder()
        FORMATS[fmt](b, _Values(fake, rng))
        yield GoldDoc(id=f"gen-{seed}-{i}", text=b.text(), spans=b.spans, format=fmt, decoys=b.decoys)
