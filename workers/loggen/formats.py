"""The log formats the rules were tuned against: each writes one document through a _Builder."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from workers.loggen.gold import _Builder
from workers.loggen.values import _Values

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
        b.t("GET /login?user=").pii("USERNAME", v.username()).t("&password=").pii(
            "PASSWORD", quote(v.password(), safe="")
        )
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
        b.pii("USERNAME", v.username()).t(" from ").pii("IP_ADDRESS", v.ip()).t(" port ").decoy("PORT", v.port()).t(
            " ssh2"
        )
    elif k < 0.6:
        b.t(f"postfix/smtp[{pid}]: ").decoy("HEX_HASH", v.f.md5()[:10].upper()).t(": to=<").pii(
            "EMAIL_ADDRESS", v.email()
        )
        b.t(">, relay=").pii("DOMAIN_NAME", f"mx.{v.f.domain_name()}").t("[").pii("IP_ADDRESS", v.ip()).t(
            f"]:25, delay={v.r.random() * 3:.2f}, status=sent"
        )
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
        b.t(
            f'  File "/srv/venv/lib/python3.11/site-packages/gateway/client.py", line {v.r.randint(10, 900)}, in authorize\n'
        )
        b.t("    raise CardDeclined(card)\n")
        k = v.r.random()
        if k < 0.5:
            b.t("gateway.errors.CardDeclined: card ").pii("CREDIT_CARD", v.card()).t(" declined for ").pii(
                "EMAIL_ADDRESS", v.email()
            )
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
        b.t(" is mine. Please call me back at ").pii("PHONE_NUMBER", v.phone()).t(" or write to ").pii(
            "EMAIL_ADDRESS", v.email()
        ).t(".")
    elif k < 0.55:
        b.t("Customer ").pii("PERSON", f"{first} {last}").t(" moved to ").pii("STREET_ADDRESS", v.full_address())
        b.t(" and wants invoices sent there. DOB on file: ").pii("DATE_OF_BIRTH", v.dob()).t(". Refund to IBAN ").pii(
            "IBAN_CODE", v.iban()
        ).t(".")
    elif k < 0.75:
        b.t("I can't log in as ").pii("USERNAME", v.username()).t(" since version ").decoy("VERSION", v.version())
        b.t(". I tried password ").pii("PASSWORD", v.password()).t(" from ").pii("LOCATION", v.location())
        b.t(" and got error ").decoy("HEX_HASH", v.f.md5()[:8]).t(". - ").pii("PERSON", first)
    elif k < 0.9:
        b.t("Patient ").pii("PERSON", f"{first} {last}").t(" (MRN ").pii("MEDICAL_RECORD_NUMBER", v.mrn())
        b.t(", SSN ").pii("US_SSN", v.ssn()).t(") asked for records to be sent to ").pii("STREET_ADDRESS", v.street())
        b.t(" in ").pii("LOCATION", v.location()).t(".")
    else:
        b.t("Please send the refund in BTC to ").pii("CRYPTO", v.crypto()).t(" - thanks, ").pii(
            "PERSON", f"{first} {last}"
        )
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
