"""Credential recognizers: passwords, API keys, tokens, private keys."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.fragments import (
    _KEY_START,
    _PEM_BODY,
    _PEM_LABEL,
    _PEM_TAIL,
    _PREFIX,
    _PW_KEY,
    _SEP,
    _SEP_ENC,
    _UI,
    _UI_USER,
    _URL_AUTHORITY,
)
from workers.detect.patterns.recognizer import Recognizer

# A key separator that stays on the key's line: in YAML "secret:" ends a line and the next
# line's key ("secretName: x") is no value.
_SEP_LINE = r"""["']?[ \t]*[:=][ \t]*["']?"""
# Secret-ish key names: clientSecret, app_secret, aws_secret_access_key, SecretAccessKey,
# signing_key, ... (optional prefixes come from _PREFIX).
_SECRET_KEY = (
    r"(?:[A-Za-z]*secret(?:[_-]?(?:access[_-]?)?key|[_-]?value|[_-]?token)?|"
    r"(?:private|signing|encryption|master|shared)[_-]?key|credentials?)"
)


# Answers a log gives in a password field's place: whether one was used or is set (MySQL's
# "(using password: YES)", "password: none", "password=on"), not the password itself.
_PASSWORD_ANSWERS = frozenset({"yes", "no", "on", "off", "set", "unset", "empty", "required", "enabled", "disabled"})


def _keyed_password(value: str) -> bool:
    return value.rstrip(").]").lower() not in _PASSWORD_ANSWERS and v.password(value)


CREDENTIALS: tuple[Recognizer, ...] = (
    # --- credentials (key names as context are part of the pattern) --------------------------
    Recognizer(
        # The userinfo of a connection string or URL (postgres://user:pass@host, mongodb+srv://,
        # jdbc:mysql://, redis://:pass@host): the userinfo ends at the authority's last @ (see _UI),
        # so a password may hold @ and : (greedy up to that @).
        "url_userinfo_password",
        "PASSWORD",
        _URL_AUTHORITY + _UI_USER + "{0,64}:(" + _UI + "{1,128})@",
        0.9,
        v.url_password,
        group=1,
    ),
    Recognizer(
        # The user of the same userinfo, with or without a password (ftp://jdoe@host); generic
        # accounts (admin, root, postgres, git, ...) are not persons.
        "url_userinfo_user",
        "USERNAME",
        _URL_AUTHORITY + "(" + _UI_USER + "{1,64})(?::" + _UI + "{0,128})?@",
        0.75,
        v.url_username,
        group=1,
    ),
    Recognizer(
        "keyed_password",
        "PASSWORD",
        r"\b" + _PW_KEY + _SEP + r"""([^\s"',;&}]{1,128})""",
        0.9,
        _keyed_password,
        group=1,
        ignore_case=True,
        # sudo's "PWD=/tmp ; USER=root ; COMMAND=..." is the working directory (the validator
        # drops deeper paths; a one-segment one needs sudo's field layout to tell).
        reject_before=(" ; USER=",),
    ),
    Recognizer(
        # Quoted values keep their spaces: password="correct horse battery staple", also with
        # escaped quotes inside a JSON string (password=\"...\") and Ruby/PHP hashes (=>).
        "quoted_password",
        "PASSWORD",
        r"\b" + _PW_KEY + r"""["']?\s*(?:=>|[:=])\s*\\?"([^"\r\n]{1,128}?)\\?""" + '"',
        0.95,
        v.password,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "quoted_password_single",
        "PASSWORD",
        r"\b" + _PW_KEY + r"""["']?\s*(?:=>|[:=])\s*\\?'([^'\r\n]{1,128}?)\\?'""",
        0.95,
        v.password,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "password_phrase",
        "PASSWORD",
        # An opening quote is skipped and ends the value (PASSWORD 'x',<next> in SQL audit lines).
        r"""\b(?:password|passwd|passcode|passphrase)(?: is| was| of)?\s+["']?([^\s"']{6,128})""",
        0.75,
        v.secret_phrase,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "json_password",
        "PASSWORD",
        r"""["'](?:password|passwd|passphrase|pwd|pass)["']\s*:\s*["']([^"'\n]{1,128})["']""",
        0.95,
        v.password,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "aws_access_key",
        "API_KEY",
        # Access key ids only (long-term AKIA, temporary ASIA): AIDA/AROA/AGPA/ANPA/... are the
        # unique ids of users, roles, groups and policies that CloudTrail prints, not secrets.
        r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
        0.95,
    ),
    Recognizer("google_api_key", "API_KEY", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.95),
    Recognizer("stripe_key", "API_KEY", r"\b[rsp]k_(?:live|test)_[0-9A-Za-z]{16,}\b", 0.95),
    Recognizer("slack_token", "ACCESS_TOKEN", r"\bxox[abposr]-[0-9A-Za-z-]{10,}\b", 0.95),
    Recognizer(
        "github_token", "ACCESS_TOKEN", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b", 0.95
    ),
    Recognizer("openai_style_key", "API_KEY", r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b", 0.85, v.high_entropy),
    Recognizer(
        "keyed_api_key",
        "API_KEY",
        r"\b(?:api[_-]?key|apikey|x-api-key|client[_-]?secret|secret[_-]?key|secret|private[_-]?key|"
        r"access[_-]?key(?:[_-]?id)?|aws[_-]?secret[_-]?access[_-]?key)" + _SEP_LINE + r"([A-Za-z0-9_\-./+=]{8,})",
        0.85,
        v.high_entropy,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "pem_private_key",
        "API_KEY",
        r"-----BEGIN " + _PEM_LABEL + r"(?:" + _PEM_BODY + r"*?-----END " + _PEM_LABEL + "|" + _PEM_TAIL + ")",
        0.99,
    ),
    Recognizer(
        # HTTP Basic (and token-scheme) credentials after an Authorization header key.
        "authorization_basic",
        "ACCESS_TOKEN",
        r"\b(?:proxy-)?authorization" + _SEP + r"(?:basic|token)\s+([A-Za-z0-9+/._~-]{4,}=*)",
        0.95,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # "Basic <base64>" anywhere (curl -H lines, dumped header maps): the value must decode
        # to user:password.
        "basic_credentials",
        "ACCESS_TOKEN",
        r"\bbasic\s+([A-Za-z0-9+/]{8,}={0,2})",
        0.9,
        v.basic_credentials,
        group=1,
        ignore_case=True,
        checksum=True,
    ),
    Recognizer(
        "jwt",
        "ACCESS_TOKEN",
        r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}",
        0.95,
    ),
    Recognizer(
        "bearer",
        "ACCESS_TOKEN",
        r"\bbearer\s+([A-Za-z0-9\-._~+/]{16,}=*)",
        0.9,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "keyed_token",
        "ACCESS_TOKEN",
        _KEY_START + r"(?:access[_-]?token|auth[_-]?token|refresh[_-]?token|id[_-]?token|session[_-]?(?:id|token|key)|"
        r"sessionid|token|sid|csrf[_-]?token)" + _SEP_ENC + r"([A-Za-z0-9\-._~+/]{12,}=*)",
        0.85,
        v.high_entropy,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # Any value after a secret-ish key ("secret: s3cr3tV@lue99", app_secret=..., "SecretAccessKey":
        # "...", escaped JSON, Ruby =>): a secret may hold any punctuation, so the value runs to
        # a quote, blank or delimiter, not just over key-alphabet characters.
        "keyed_secret",
        "API_KEY",
        r"\b" + _PREFIX + _SECRET_KEY + r"""\\?["']?[ \t]*(?:=>|[:=])[ \t]*\\?["']?([^\s"'\\,;&}<>]{8,256})""",
        0.85,
        v.secret_value,
        group=1,
        ignore_case=True,
        strip_trailing=".)]",
    ),
    Recognizer(
        # Quoted, the value may also hold the delimiters above ('h7&Jk2@Wq9x', "a;b,c}d").
        "quoted_secret",
        "API_KEY",
        r"\b" + _PREFIX + _SECRET_KEY + r"""\\?["']?[ \t]*(?:=>|[:=])[ \t]*\\?["']([^\s"'\\]{8,256})\\?["']""",
        0.85,
        v.secret_value,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # A 40-character AWS secret access key by shape, named nearby ("aws key AKIA... secret
        # wJalr..."): no key=value separator needed. The base64 alphabet has / and +, which \b
        # does not bound, so the neighbours are matched (and not part of the value).
        "aws_secret_key",
        "API_KEY",
        r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])",
        0.3,
        v.aws_secret,
        group=1,
        context=("secret", "aws", "secret access key", "secret_access_key", "secretaccesskey", "secret key"),
        context_score=0.9,
    ),
    Recognizer(
        # A bare session key outside a cookie header (?session=..., "session": "...", audit
        # sessionid=...): keyed_token's alphabet plus an encoded ":" (signed express ids s%3A...).
        # The validator wants digits and letters: "session=closed_by_remote_host" is a state.
        "keyed_session",
        "ACCESS_TOKEN",
        _KEY_START + r"session" + _SEP_ENC + r"((?:[A-Za-z0-9\-._~+/]|%3[Aa]){12,256}=*)",
        0.85,
        v.session_id,
        group=1,
        ignore_case=True,
    ),
)
