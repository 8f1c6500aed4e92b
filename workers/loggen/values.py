"""Typed value generators: valid where a validator exists, so a validating detector is not
penalised. The checksums are the validators' own (Luhn, the base58 alphabet, bech32 polymod):
one implementation, used to check in workers.detect and to encode here."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import random
import string
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

# One checksum implementation: the generator encodes with the validators' own.
from workers.detect.validators.checksums import _B58, _BECH32, _bech32_polymod, digits, luhn

if TYPE_CHECKING:  # pragma: no cover
    from faker import Faker


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
        return self.r.choice(
            [
                self.f.city,
                lambda: f"{self.f.city()}, {self.f.state_abbr()}",
                self.f.country,
                lambda: self.r.choice(
                    ["London", "Berlin", "Paris", "Madrid", "Toronto", "Chicago", "Austin", "Lisbon"]
                ),
            ]
        )()

    def mrn(self) -> str:
        d = "".join(self.r.choice(string.digits) for _ in range(self.r.choice([7, 8, 10])))
        return self.r.choice([d, f"MRN{d}", f"MRN-{d}"])

    # contact
    _AREAS = (
        "212",
        "213",
        "305",
        "312",
        "404",
        "415",
        "503",
        "512",
        "602",
        "617",
        "646",
        "702",
        "718",
        "773",
        "206",
        "303",
    )

    def phone(self) -> str:
        import phonenumbers

        while True:
            if self.r.random() < 0.75:
                a = self.r.choice(self._AREAS)
                ex = f"{self.r.randint(2, 9)}{self.r.randint(0, 9)}{self.r.randint(0, 9)}"
                if ex[1:] == "11" or ex == "555":
                    continue
                ln = f"{self.r.randint(0, 9999):04d}"
                s = self.r.choice(
                    [
                        f"({a}) {ex}-{ln}",
                        f"{a}-{ex}-{ln}",
                        f"+1 {a}-{ex}-{ln}",
                        f"+1{a}{ex}{ln}",
                        f"{a}.{ex}.{ln}",
                        f"+1 ({a}) {ex}-{ln}",
                        f"1-{a}-{ex}-{ln}",
                    ]
                )
                region = "US"
            else:
                s, region = self.r.choice(
                    [
                        (f"+44 20 7{self.r.randint(100, 999)} {self.r.randint(1000, 9999)}", "GB"),
                        (f"+49 30 {self.r.randint(1000000, 9999999)}", "DE"),
                        (
                            f"+33 1 {self.r.randint(10, 99)} {self.r.randint(10, 99)} {self.r.randint(10, 99)} {self.r.randint(10, 99)}",
                            "FR",
                        ),
                        (f"+61 2 {self.r.randint(8000, 9999)} {self.r.randint(1000, 9999)}", "AU"),
                    ]
                )
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
        return self.r.choice(
            [str(v6), v6.exploded, f"2001:db8:{self.r.randint(1, 0xFFFF):x}::{self.r.randint(1, 0xFFFF):x}"]
        )

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
        return self.r.choice(
            [base, f"{base}/{self.f.uri_path()}", f"{base}/{self.f.uri_path()}?ref={self.f.user_name()}"]
        )

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
        return (
            "xoxb-"
            + "-".join(str(self.r.randint(10**10, 10**11)) for _ in range(2))
            + "-"
            + "".join(self.r.choice(string.ascii_letters + string.digits) for _ in range(24))
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
        return self.r.choice(
            [
                f"ORD-{self.r.randint(2019, 2026)}-{self.r.randint(0, 999999):06d}",
                f"INV{self.r.randint(10**7, 10**8 - 1)}",
                self.non_luhn16(),
            ]
        )

    def non_luhn16(self) -> str:
        while True:
            d = str(self.r.randint(10**15, 10**16 - 1))
            if not _luhn_ok(d):
                return d

    def uuid(self) -> str:
        return str(self.f.uuid4())

    def version(self) -> str:
        return self.r.choice(
            [
                f"{self.r.randint(0, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 40)}",
                f"v{self.r.randint(1, 5)}.{self.r.randint(0, 20)}.{self.r.randint(0, 9)}",
            ]
        )

    def hexhash(self) -> str:
        return self.r.choice([self.f.sha1, self.f.md5, self.f.sha256])()

    def port(self) -> str:
        return str(self.r.choice([80, 443, 5432, 6379, 8080, 8443, 9092, self.r.randint(1024, 65535)]))

    def when(self) -> datetime:
        base = datetime(2026, 1, 1, tzinfo=UTC)
        return base + timedelta(seconds=self.r.randint(0, 330 * 86400), microseconds=self.r.randint(0, 999999))

    def host(self) -> str:
        return self.r.choice(["web-01", "api-7", "db-primary", "edge-03", "worker-12", "auth-2"])


def _luhn_ok(num: str) -> bool:
    d = digits(num)
    return len(d) >= 12 and luhn(d)


_IBAN_BBAN = {  # country: (length of BBAN, kind per char: a=upper, n=digit)
    "GB": "aaaannnnnnnnnnnnnn",
    "DE": "nnnnnnnnnnnnnnnnnn",
    "FR": "nnnnnnnnnnnnnnnnnnnnnnn",
    "ES": "nnnnnnnnnnnnnnnnnnnn",
    "NL": "aaaannnnnnnnnn",
    "IT": "annnnnnnnnnnnnnnnnnnnnn",
    "BE": "nnnnnnnnnnnn",
    "PL": "nnnnnnnnnnnnnnnnnnnnnnnn",
}


def _make_iban(country: str, r: random.Random) -> str:
    bban = "".join(
        r.choice(string.ascii_uppercase) if k == "a" else r.choice(string.digits) for k in _IBAN_BBAN[country]
    )
    if country == "FR":  # RIB key check digits: keep stdnum's national check happy
        b, g, c = int(bban[:5]), int(bban[5:10]), int(bban[10:21])
        bban = bban[:21] + f"{97 - (89 * b + 15 * g + 3 * c) % 97:02d}"
    if country == "BE":
        bban = bban[:10] + f"{(int(bban[:10]) % 97) or 97:02d}"
    num = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(num) % 97:02d}{bban}"


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
