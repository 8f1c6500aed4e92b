"""Host-name recognizers (Public Suffix List)."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.recognizer import Recognizer


def _host_not_brand(value: str) -> bool:
    """Host names are written in lower case; "Salesforce.com" or "Booking.com" with a capital
    first letter and the rest lower case is a brand or app name (IdP app targets, prose)."""
    head, _, rest = value.partition(".")
    if head[:1].isupper() and head[1:].islower() and rest.islower():
        return False
    return v.domain_name(value)


def _host_mixed(value: str) -> bool:
    """Names in capitals are left to domain_name_caps."""
    return not value.isupper() and _host_not_brand(value)


# Shared by the mixed-case and capitals host recognizers. CloudTrail's eventSource and invokedBy
# name AWS services (signin.amazonaws.com), and so do its sourceIPAddress and userAgent when they
# hold a host name. A Kerberos realm (realm=, krbtgt/REALM) names the organisation's directory,
# not a host.
_HOST_CONTEXT = ("host", "hostname", "domain", "server", "fqdn", "sni", "dns", "resolve")
_HOST_NOT_CONTEXT = ("eventsource", "invokedby", "sourceipaddress", "useragent", "realm")
_HOST_REJECT_BEFORE = ("(", "=", '":', "':", "-", "_", "@")

HOSTS: tuple[Recognizer, ...] = (
    # --- hosts --------------------------------------------------------------------------------
    Recognizer(
        # Host names under a public suffix (validated offline against the packaged Public Suffix
        # List). Deferred: names inside URLs and e-mail addresses already belong to those spans.
        "domain_name",
        "DOMAIN_NAME",
        r"\b(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,16}(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\b",
        0.6,
        _host_mixed,
        context=_HOST_CONTEXT,
        negative_context=_HOST_NOT_CONTEXT,
        reject_after=("@", "://", ".", "krbtgt/"),
        reject_before=_HOST_REJECT_BEFORE,
        defer=True,
    ),
    Recognizer(
        # The same in capitals (API.EXAMPLE.COM), except right after a slash: "user/REALM" and
        # "krbtgt/REALM" (Zeek kerberos.log, KDC logs) write a Kerberos realm, which by
        # convention is the directory's domain in capitals, not a host.
        "domain_name_caps",
        "DOMAIN_NAME",
        r"\b(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.){1,16}(?:[A-Z]{2,63}|XN--[A-Z0-9-]{1,59})\b",
        0.6,
        _host_not_brand,
        context=_HOST_CONTEXT,
        negative_context=_HOST_NOT_CONTEXT,
        reject_after=("@", "://", ".", "/"),
        reject_before=_HOST_REJECT_BEFORE,
        defer=True,
    ),
)
