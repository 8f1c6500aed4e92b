"""HTTP cookie values that are credentials: session identifiers are bearer tokens.

A Cookie header holds many name=value pairs and a session cookie may be any of them, far from
the header name; one regex match per value cannot tell a pair inside a cookie header from a
`; key=value` anywhere else. So the header is found first, then its pairs are read in one
forward walk: `Cookie:` pairs all, `Set-Cookie:` only its first pair (the rest are attributes:
Path=, Expires=, Domain=, Max-Age=, SameSite=, HttpOnly).
"""

from __future__ import annotations

import re

from workers.detect import validators as v

# A document without this cannot hold a cookie header (hyperscan checks it in the prefilter pass).
COOKIE_HINT = re.compile(r"cookie", re.IGNORECASE)

# The header name and its separator, in raw headers (Cookie: a=b), key=value logs (cookie="a=b"),
# JSON header maps ("cookie": "a=b") and escaped JSON (\"Cookie\": \"a=b\").
_HEADER = re.compile(r"""\b(set-)?cookie\\?["']?[ \t]*[:=][ \t]*\\?["']?""", re.IGNORECASE)
# One pair at a position: RFC 6265 token name (bounded), value up to ; , a blank, a quote or a
# backslash, then the blanks and the ";" that continue the list. Anchored and bounded: a failed
# match costs at most the name bound plus the leading blanks, which the walk then leaves behind.
_PAIR = re.compile(r"""[ \t]*([!#$%&*+.^_`|~0-9A-Za-z-]{1,128})=([^;\s"',\\]*)[ \t]*(;?)""")

# Names of cookies that carry a session or an authentication token in common frameworks
# (PHPSESSID, JSESSIONID, ASP.NET_SessionId, connect.sid, laravel_session, _myapp_session,
# __Host-auth_token, jwt, remember_token, XSRF-TOKEN), matched on the whole lower-cased name.
_SESSION_NAME = re.compile(
    r"(?:__(?:host|secure)-)?[a-z0-9_.$-]{0,64}?"
    r"(?:sess(?:ion)?(?:[_.-]?(?:id|key|token|cookie))?|sid|auth(?:[_.-]?(?:token|session|key))?|"
    r"token|jwt|remember[_.-]?(?:me|token)?)"
)

SESSION_SCORE = 0.9  # the name says what the value is, as a key names a value
VALUE_SCORE = 0.75  # a random-looking value of another cookie: an identifier, maybe a credential


def cookie_values(text: str) -> list[tuple[int, int, float, bool]]:
    """(start, end, score, session-named) of every credential-like cookie value in `text`. Linear:
    each header search resumes past the last pair read, each pair is matched once."""
    out: list[tuple[int, int, float, bool]] = []
    pos = 0
    while True:
        header = _HEADER.search(text, pos)
        if header is None:
            return out
        pos = header.end()
        only_first = header.group(1) is not None
        while True:
            pair = _PAIR.match(text, pos)
            if pair is None:
                break
            pos = pair.end()
            start, end = pair.span(2)
            if end > start:
                value = pair.group(2)
                if _SESSION_NAME.fullmatch(pair.group(1).lower()):
                    if v.session_value(value):
                        out.append((start, end, SESSION_SCORE, True))
                elif v.random_token(value):
                    out.append((start, end, VALUE_SCORE, False))
            if only_first or not pair.group(3):
                break
