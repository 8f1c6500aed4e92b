"""Credentials in URLs and connection strings (userinfo), and session cookies, on the rules tier:
what must be found and what must not, per category."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rule_tables import found as _found
from rule_tables import table_tests

from workers.detect.rules import RulesDetector
from workers.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def rules() -> RulesDetector:
    return RulesDetector(load_taxonomy())


# (category, text, type, value): the value must be reported with that type, exactly.
MUST_DETECT = [
    ("userinfo", "postgres://admin:pa55w0rd@db.example.com:5432/app", "PASSWORD", "pa55w0rd"),
    ("userinfo", "DATABASE_URL=postgresql://jsmith:Tr0ub4dor@db.internal:5432/app", "USERNAME", "jsmith"),
    ("userinfo", "DATABASE_URL=postgresql://jsmith:Tr0ub4dor@db.internal:5432/app", "PASSWORD", "Tr0ub4dor"),
    ("userinfo", "mysql://root:hunter2@10.0.0.5:3306/db", "PASSWORD", "hunter2"),
    ("userinfo", "mongodb://m.rossi:K9x!vQ2z@mongo1:27017,mongo2:27017/app?replicaSet=rs0", "USERNAME", "m.rossi"),
    ("userinfo", "mongodb://m.rossi:K9x!vQ2z@mongo1:27017,mongo2:27017/app?replicaSet=rs0", "PASSWORD", "K9x!vQ2z"),
    ("userinfo", "uri: mongodb+srv://appuser:Zq7Lm3Rt@cluster0.abcde.mongodb.net/test", "PASSWORD", "Zq7Lm3Rt"),
    ("userinfo", "broker amqp://svc_orders:Rabb1tPw@rabbit.internal:5672/vhost", "PASSWORD", "Rabb1tPw"),
    ("userinfo", "ftp://jdoe:ftpPass99@ftp.example.com/pub", "USERNAME", "jdoe"),
    ("userinfo", "ftp://jdoe:ftpPass99@ftp.example.com/pub", "PASSWORD", "ftpPass99"),
    ("userinfo", "GET https://alice:wonder1and@api.example.com/v1 200", "PASSWORD", "wonder1and"),
    ("userinfo", "url=http://bwayne:gotham42@intranet.local/admin", "USERNAME", "bwayne"),
    ("userinfo", "jdbc:mysql://jsmith:Tr0ub4dor@db.example.com/app", "PASSWORD", "Tr0ub4dor"),
    ("userinfo", "jdbc:postgresql://db:5432/app?user=jsmith&password=Tr0ub4dor", "PASSWORD", "Tr0ub4dor"),
    # percent-escapes stay in the reported value (one span over the escaped password)
    ("userinfo", "postgresql://jsmith:S3cr%40t%21@db.internal:5432/app", "PASSWORD", "S3cr%40t%21"),
    # an unescaped @ or : in the password: the userinfo ends at the authority's last @
    ("userinfo", "mongodb+srv://appuser:p@ss@word@cluster0.abcde.mongodb.net/test", "PASSWORD", "p@ss@word"),
    ("userinfo", "redis://default:a:b:c9Zx@cache:6379", "PASSWORD", "a:b:c9Zx"),
    ("userinfo", "postgres://kwong:Hk8#pLq2@db:5432/app", "PASSWORD", "Hk8#pLq2"),
    # empty user, user without a password
    ("userinfo", "redis://:secretpass@cache.example.com:6379/0", "PASSWORD", "secretpass"),
    ("userinfo", "rediss://:Xk29fLq8@redis.example.com:6380", "PASSWORD", "Xk29fLq8"),
    ("userinfo", "ftp://jdoe@ftp.example.com/pub", "USERNAME", "jdoe"),
    # JSON and quoted DSNs end at the quote
    ("userinfo", '{"dsn": "postgres://kwong:Hk8#pLq2@db:5432/app", "pool": 5}', "PASSWORD", "Hk8#pLq2"),
    # e-mail addresses around URLs are still addresses
    ("userinfo", '{"url":"redis://h:1","owner":"ops@example.com"}', "EMAIL_ADDRESS", "ops@example.com"),
    ("userinfo", "see https://example.com/u/bob@example.org", "EMAIL_ADDRESS", "bob@example.org"),
    ("userinfo", "mailto:x.y@example.net", "EMAIL_ADDRESS", "x.y@example.net"),
    ("userinfo", "https://example.com#contact-bob@example.org", "EMAIL_ADDRESS", "contact-bob@example.org"),
    ("userinfo", "dsn=postgres://a:b@db owner ops@example.com", "EMAIL_ADDRESS", "ops@example.com"),
    # session-named cookies, in any position of a Cookie header, the first pair of Set-Cookie
    ("cookie", "Cookie: session=abcdef1234567890abcdef", "ACCESS_TOKEN", "abcdef1234567890abcdef"),
    (
        "cookie",
        "Set-Cookie: sid=9f8e7d6c5b4a39281706f5e4; Path=/; HttpOnly",
        "ACCESS_TOKEN",
        "9f8e7d6c5b4a39281706f5e4",
    ),
    (
        "cookie",
        "Cookie: lang=en; theme=dark; PHPSESSID=q3o1ks8tqd2ljcl1u5k3nt0mj6",
        "ACCESS_TOKEN",
        "q3o1ks8tqd2ljcl1u5k3nt0mj6",
    ),
    (
        "cookie",
        "Set-Cookie: JSESSIONID=8A3F5C2B19D4E7F60A1B2C3D4E5F6A7B; Path=/app; Secure; HttpOnly",
        "ACCESS_TOKEN",
        "8A3F5C2B19D4E7F60A1B2C3D4E5F6A7B",
    ),
    (
        "cookie",
        "Cookie: ASP.NET_SessionId=kq2vz1xw0mbn3ylfrj4e5dhs; lang=de",
        "ACCESS_TOKEN",
        "kq2vz1xw0mbn3ylfrj4e5dhs",
    ),
    (
        "cookie",
        '{"headers": {"cookie": "connect.sid=s%3AxYz123AbC.k9Lm2Nq8RtUv; tz=Europe%2FBerlin"}}',
        "ACCESS_TOKEN",
        "s%3AxYz123AbC.k9Lm2Nq8RtUv",
    ),
    (
        "cookie",
        '{\\"Cookie\\": \\"laravel_session=eyJpdiI6IkxQa2pO; XSRF-TOKEN=Tk9QcXJ7dXZ3eHl6MTIz\\"}',
        "ACCESS_TOKEN",
        "Tk9QcXJ7dXZ3eHl6MTIz",
    ),
    (
        "cookie",
        'cookie="remember_token=7|Zx9kLm2pQr8sTu4vWx6yZa1bCd3eFg5h"',
        "ACCESS_TOKEN",
        "7|Zx9kLm2pQr8sTu4vWx6yZa1bCd3eFg5h",
    ),
    ("cookie", "Cookie: __Host-auth=Q2xhcmEgT3N3YWxk; lang=en", "ACCESS_TOKEN", "Q2xhcmEgT3N3YWxk"),
    ("cookie", "Cookie: jwt=aGVsbG8ud29ybGQuc2ln", "ACCESS_TOKEN", "aGVsbG8ud29ybGQuc2ln"),
    # a random-looking value of any other cookie
    (
        "cookie",
        "GET / HTTP/1.1 Cookie: theme=dark; visitor_id=3f2b8c1e-9a7d-4e6f-b5c4-1d2e3f4a5b6c User-Agent: curl/8.0",
        "ACCESS_TOKEN",
        "3f2b8c1e-9a7d-4e6f-b5c4-1d2e3f4a5b6c",
    ),
]

# (category, text, type): no span of that type anywhere in the text.
MUST_NOT_DETECT = [
    # the password@host of a userinfo is never an e-mail address
    ("userinfo", "postgres://admin:pa55w0rd@db.example.com:5432/app", "EMAIL_ADDRESS"),
    ("userinfo", "postgresql://jsmith:S3cr%40t%21@db.internal:5432/app", "EMAIL_ADDRESS"),
    ("userinfo", "mongodb+srv://appuser:p@ss@word@cluster0.abcde.mongodb.net/test", "EMAIL_ADDRESS"),
    ("userinfo", "redis://:secretpass@cache.example.com:6379/0", "EMAIL_ADDRESS"),
    ("userinfo", "jdbc:mysql://jsmith:Tr0ub4dor@db.example.com/app", "EMAIL_ADDRESS"),
    ("userinfo", "git clone ssh://git@github.com/org/repo.git", "EMAIL_ADDRESS"),
    # generic accounts are not persons
    ("userinfo", "postgres://admin:pa55w0rd@db.example.com:5432/app", "USERNAME"),
    ("userinfo", "mysql://root:hunter2@10.0.0.5:3306/db", "USERNAME"),
    ("userinfo", "amqp://guest:guest@rabbit:5672/", "USERNAME"),
    ("userinfo", "git clone ssh://git@github.com/org/repo.git", "USERNAME"),
    ("userinfo", "postgres://postgres:Pg5ecret@db:5432/postgres", "USERNAME"),
    # templates and masked values are not credentials
    ("userinfo", "postgres://${DB_USER}:${DB_PASS}@db:5432/app", "PASSWORD"),
    ("userinfo", "postgres://${DB_USER}:${DB_PASS}@db:5432/app", "USERNAME"),
    ("userinfo", "postgres://app:****@db:5432/app", "PASSWORD"),
    ("userinfo", "redis://{{ redis_user }}:{{ redis_pw }}@cache", "PASSWORD"),
    # no userinfo: ports, paths and queries are not passwords
    ("userinfo", "https://example.com:8443/login?next=/home", "PASSWORD"),
    ("userinfo", "GET http://api.example.com:8080/v1/users/42 200", "PASSWORD"),
    ("userinfo", "see https://example.com/u/bob@example.org", "PASSWORD"),
    ("userinfo", '{"url":"redis://h:1","owner":"ops@example.com"}', "PASSWORD"),
    ("userinfo", "https://example.com#contact-bob@example.org", "PASSWORD"),
    # settings, attributes and tombstones are not tokens
    ("cookie", "Cookie: lang=en; theme=dark; tz=America%2FLos_Angeles; consent=accepted", "ACCESS_TOKEN"),
    ("cookie", "Set-Cookie: lang=en-US; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly", "ACCESS_TOKEN"),
    ("cookie", "Set-Cookie: sid=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/", "ACCESS_TOKEN"),
    ("cookie", "Set-Cookie: prefs=compact; Max-Age=31536000; Domain=example.com; SameSite=Lax", "ACCESS_TOKEN"),
    ("cookie", "Cookie: session=; lang=en", "ACCESS_TOKEN"),
    ("cookie", "Cookie: session=${SESSION_ID}", "ACCESS_TOKEN"),
    ("cookie", "Cookie: last_visit=1700000000000; cart_items=3", "ACCESS_TOKEN"),
    # a cookie header ends at the first value not followed by ";"
    ("cookie", "Cookie: lang=en request_id=7f3a9c2e1b4d8f6a0e5c", "ACCESS_TOKEN"),
    # "cookie" in prose, and ; key=value lists that are not cookie headers
    # (a bare session=<id> is a token wherever it sits: tests/unit/test_security_logs.py)
    ("cookie", "the cookie banner said session=stored_for_this_visit", "ACCESS_TOKEN"),
    (
        "cookie",
        "sudo: alice : TTY=pts/8 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
        "ACCESS_TOKEN",
    ),
    ("cookie", "Content-Type: text/html; charset=utf-8; boundary=a1b2c3d4e5f6a7b8c9d0", "ACCESS_TOKEN"),
]

test_must_detect, test_must_not_detect, test_every_category_has_both_tables = table_tests(MUST_DETECT, MUST_NOT_DETECT)


_SESSION_NAMES = ("session", "sid", "PHPSESSID", "JSESSIONID", "connect.sid", "_shop_session", "auth_token", "jwt")
_FILLER = ("lang=en", "theme=dark", "cart_items=3", "consent=yes")


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(_SESSION_NAMES),
    # random-looking: six distinct characters at least (a run of one digit is no identifier)
    value=st.text(st.sampled_from("abcdefXYZ0123456789-_."), min_size=12, max_size=40).filter(
        lambda t: len(set(t)) >= 6
    ),
    before=st.lists(st.sampled_from(_FILLER), max_size=3),
    after=st.lists(st.sampled_from(_FILLER), max_size=3),
    set_cookie=st.booleans(),
)
def test_session_cookie_value_is_one_token_wherever_it_sits(
    rules: RulesDetector, name: str, value: str, before: list[str], after: list[str], set_cookie: bool
) -> None:
    token = "Zq7" + value  # mixed: a session value by the validator's rules
    if set_cookie:  # one cookie, then attributes
        text = f"Set-Cookie: {name}={token}; Path=/; Max-Age=3600; HttpOnly"
    else:
        text = "Cookie: " + "; ".join([*before, f"{name}={token}", *after])
    tokens = [v for t, v in _found(rules, text) if t == "ACCESS_TOKEN"]
    assert tokens == [token]


_SCHEMES = ("postgres", "postgresql", "mysql", "mongodb", "mongodb+srv", "redis", "amqp", "ftp", "https")
_PW_CHARS = st.sampled_from("abcXYZ0189!#$%&*+-=@:;~^")


@settings(max_examples=60, deadline=None)
@given(
    scheme=st.sampled_from(_SCHEMES),
    user=st.sampled_from(["", "jsmith", "svc_app", "m.rossi"]),
    body=st.text(_PW_CHARS, min_size=2, max_size=24),
    host=st.sampled_from(["db.example.com", "10.0.0.5", "cache", "cluster0.abcde.mongodb.net"]),
)
def test_userinfo_password_is_one_password_and_never_an_address(
    rules: RulesDetector, scheme: str, user: str, body: str, host: str
) -> None:
    # A digit and a letter: the value is always a password by the validator's rules.
    password = "Q7" + body
    text = f"connect {scheme}://{user}:{password}@{host}:5432/app failed"
    found = _found(rules, text)
    assert ("PASSWORD", password) in found
    assert [f for f in found if f[0] == "EMAIL_ADDRESS"] == []
    # no span crosses the @ that ends the userinfo, except a whole-URL span
    at = text.index(f"@{host}")
    for s in rules.detect_one(text):
        assert s.type == "URL" or not s.start <= at < s.end
