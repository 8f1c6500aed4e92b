"""Formats added after the rules were first tuned against workers.loggen.formats: the benchmark
reports them separately as a held-out check of how the rules generalise to log shapes they were
not written against."""

from __future__ import annotations

from urllib.parse import quote

from workers.loggen.formats import _ua
from workers.loggen.gold import _Builder
from workers.loggen.values import _Values


def fmt_haproxy(b: _Builder, v: _Values) -> None:
    ts = v.when()
    b.t(f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S} lb-{v.r.randint(1, 4)} haproxy[{v.r.randint(100, 60000)}]: ")
    ip = v.ip()
    if ":" in ip:
        b.t("[").pii("IP_ADDRESS", ip).t("]:")
    else:
        b.pii("IP_ADDRESS", ip).t(":")
    b.decoy("PORT", str(v.r.randint(1024, 65535))).t(" [").decoy(
        "TIMESTAMP", ts.strftime("%d/%b/%Y:%H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
    )
    b.t(
        f"] fe_https~ be_app/app-{v.r.randint(1, 9)} 0/0/{v.r.randint(0, 9)}/{v.r.randint(1, 300)}/{v.r.randint(1, 400)} "
    )
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
        b.t("ERROR [payout] transfer to ").pii("IBAN_CODE", v.iban()).t(" rejected, contact ").pii(
            "PHONE_NUMBER", v.phone()
        )
    else:
        b.t("DEBUG [gateway] upstream token=").pii("ACCESS_TOKEN", v.jwt()).t(" peer=").pii("IP_ADDRESS", v.ip())
    b.t('\\n","stream":"').t(v.r.choice(["stdout", "stderr"])).t('","time":"').decoy(
        "TIMESTAMP", ts.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    ).t('"}')


def fmt_csv(b: _Builder, v: _Values) -> None:
    cols = v.r.choice(
        [
            ("customer_id", "full_name", "email", "phone", "dob", "ssn"),
            ("id", "name", "card_number", "iban", "ip"),
        ]
    )
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
    b.t("Received: from ").pii("DOMAIN_NAME", f"mail.{v.f.domain_name()}").t(" ([").pii(
        "IP_ADDRESS", v.f.ipv4_public()
    ).t("])\n")
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
