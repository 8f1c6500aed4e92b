"""IP addresses and host/domain names (Public Suffix List)."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

# Four dot-separated decimal octets 0-255 without leading zeros ("0" itself allowed).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
# The unspecified address (a listener's 0.0.0.0, a PAN log's empty NAT column), loopback and the
# limited broadcast: no host's and no person's address.
_NOBODYS_V4 = ("0.0.0.0", "127.", "255.255.255.255")


def ip_address(value: str) -> bool:
    if "." in value and ":" not in value:  # IPv4 fast path: the ipaddress module is ~10x slower
        if value.isascii():  # the same rule as below, as one regex (the usual case)
            return _IPV4.fullmatch(value) is not None and not value.startswith(_NOBODYS_V4)
        parts = value.split(".")
        return (
            len(parts) == 4
            and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 and (p == "0" or p[0] != "0") for p in parts)
            and not value.startswith(_NOBODYS_V4)
        )
    try:
        # With a ":" only the IPv6 parser can accept it (ipaddress.ip_address tries IPv4 first:
        # one raised exception more per address).
        ip = ipaddress.IPv6Address(value) if ":" in value else ipaddress.ip_address(value)
    except ValueError:
        return False
    # "::" and similar degenerate v6 forms are almost always something else (C++ scopes, times).
    return not (ip.version == 6 and value.count(":") < 2) and not (ip.version == 6 and len(value) < 6)


# ---------------------------------------------------------------- host and domain names

# The Public Suffix List packaged in the pinned `publicsuffixlist` wheel: looked up offline,
# never refreshed from the network at run time. accept_unknown=False: "report.pdf",
# "os.path.join" and "foo.internal" end in no listed suffix.
_PSL = PublicSuffixList(accept_unknown=False)

# Suffixes that are also file extensions: "setup.py", "README.md", "libssl.so", "Main.java",
# "run.sh", "login.do". A host directly under one of them is dropped (a multi-label public
# suffix such as com.py still counts); bare hosts of these ccTLDs are the accepted miss.
_FILE_SUFFIXES = frozenset(
    {
        "py",
        "md",
        "sh",
        "so",
        "rs",
        "pl",
        "pm",
        "ps",
        "cc",
        "do",
        "java",
        "zip",
        "mov",
        "sc",
    }
)
# Single-label suffixes that are hosts' usual homes; other generic TLDs are mostly English words
# ("user.email", "user.name", "response.data", "self.app") and need a third label or a host-like
# label ("acme-mail.email", "web2.site").
_COMMON_GTLDS = frozenset(
    {
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "app",
        "dev",
        "xyz",
        "online",
        "site",
        "shop",
        "store",
        "tech",
        "cloud",
        "io",
        "ai",
        "co",
        "me",
        "tv",
        "aero",
        "coop",
        "museum",
        "mobi",
    }
)
# First labels of code paths, not host names: "self.config.value", "request.user.email",
# "np.linalg.norm", "com.example.app.MainActivity" (Java packages are reversed domains).
_CODE_ROOTS = frozenset(
    {
        "self",
        "this",
        "cls",
        "super",
        "os",
        "sys",
        "np",
        "pd",
        "tf",
        "torch",
        "math",
        "json",
        "obj",
        "req",
        "res",
        "request",
        "response",
        "ctx",
        "context",
        "config",
        "cfg",
        "settings",
        "conf",
        "options",
        "opts",
        "args",
        "kwargs",
        "params",
        "props",
        "state",
        "event",
        "evt",
        "err",
        "error",
        "exc",
        "logger",
        "logging",
        "console",
        "window",
        "document",
        "process",
        "module",
        "exports",
        "java",
        "javax",
        "android",
        "kotlin",
        "com",
        "org",
        "net",
        "user",
        "item",
        "model",
        "result",
        "row",
        "record",
        "message",
        "msg",
        "payload",
        "body",
        "headers",
        "env",
        "util",
        "utils",
        "string",
        "value",
        "object",
        "array",
        "data",
        "datetime",
        "subprocess",
        "asyncio",
        "random",
        "collections",
        "typing",
        "pytest",
        "session",
        "spring",
        "log4j",
        "hibernate",
        "django",
        "flask",
        "trace",
        "span",
        "labels",
        "container",
        "transaction",
        "metadata",
        "attributes",
        "parent",
        "organization",
        "destination",
        "order",
        "customer",
        "account",
    }
)
# Roots of structured-log field names (Elastic Common Schema, OpenTelemetry): "host.name",
# "service.name", "url.domain" are fields when they have two labels; "host.example.com" is a host.
_FIELD_ROOTS = frozenset(
    {
        "host",
        "service",
        "server",
        "client",
        "url",
        "http",
        "node",
        "pod",
        "log",
        "file",
        "agent",
        "cloud",
        "network",
        "observer",
        "package",
        "k8s",
        "source",
        "time",
        "date",
        "app",
        "job",
        "task",
        "thread",
    }
)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_VERSIONISH = re.compile(r"v?\d+[a-z]?\d*", re.IGNORECASE)


@lru_cache(maxsize=16384)
def domain_name(value: str) -> bool:
    """A host name ending in a public suffix of the packaged list, with a label before it, that
    is not a file name, a code path or a version string."""
    if len(value) > 253:
        return False
    labels = value.split(".")
    tld = labels[-1]
    if len(labels) < 2 or not (tld.islower() or tld.isupper()):  # "Hello.World", "user.getName"
        return False
    if not all(_LABEL.fullmatch(x) for x in labels):
        return False
    low = value.lower()
    suffix = _PSL.publicsuffix(low)
    if suffix is None or suffix == low:
        return False
    n_suffix = suffix.count(".") + 1
    if n_suffix == 1 and tld.lower() in _FILE_SUFFIXES:
        return False
    root = labels[0].lower()
    if root in _CODE_ROOTS or (len(labels) == 2 and root in _FIELD_ROOTS):
        return False
    host_labels = labels[: len(labels) - n_suffix]
    if all(_VERSIONISH.fullmatch(x) for x in host_labels):  # "1.2.app", "v2.dev"
        return False
    if n_suffix == 1 and len(labels) == 2 and tld.lower() not in _COMMON_GTLDS and len(tld) > 2:
        name = host_labels[0]
        return "-" in name or any(c.isdigit() for c in name)
    return True
