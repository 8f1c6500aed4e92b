"""Security-log phrasings and fields not covered by the generic keyed recognizers: OpenSSH's
"<event> for <user> from <addr>", dovecot passdb and session prefixes, shadow-utils messages,
the session name of an AWS assumed-role principal id, WordPress login forms, person names as
the first RDN of an LDAP DN, Kerberos user/REALM principals, SQL role statements, accounts at a
literal IPv4 address, and sign-in geolocation fields (Okta, Azure AD)."""

from __future__ import annotations

import re

import pycountry

from workers.detect import validators as v
from workers.detect.patterns.fragments import KERBEROS_SERVICES
from workers.detect.patterns.recognizer import Recognizer

_U = r"[A-Za-z0-9._-]{2,64}"
_U_MAIL = r"[A-Za-z0-9._@+-]{2,64}"
_NAME_WORD = r"\p{Lu}[\p{Ll}'-]+"

# Words that make the first RDN of a DN a group, container or certificate authority rather than a
# person (Active Directory's built-in groups and containers: "CN=Backup Operators,CN=Builtin").
_DN_NOT_PERSON = frozenset(
    {
        "operators",
        "controllers",
        "computers",
        "guests",
        "publishers",
        "principals",
        "container",
        "objects",
        "accounts",
        "readers",
        "owners",
        "builders",
        "servers",
        "members",
        "authority",
        "certificate",
        "root",
        "data",
        "settings",
        "replication",
        "access",
        "exchange",
        "microsoft",
        "windows",
        "domain",
        "enterprise",
        "schema",
        "remote",
        "desktop",
        "protected",
        "cloneable",
        "distributed",
        "performance",
        "network",
        "incoming",
        "terminal",
        "storage",
        "cryptographic",
        "hyper-v",
        "key",
    }
)


def _dn_person(value: str) -> bool:
    words = value.replace("\\,", " ").split()
    return v.display_name(value) and not any(w.lower() in _DN_NOT_PERSON for w in words)


_KDC_PRINCIPALS = frozenset({"krbtgt", "kadmin", "changepw", "kiprop"})


def _kerberos_client(value: str) -> bool:
    """A Kerberos client name of a person: not the KDC's own principals or Windows built-ins."""
    return value.lower() not in _KDC_PRINCIPALS and v.windows_account(value)


def _kerberos_user(value: str) -> bool:
    """The user of a "user/REALM" principal: not a service class (HTTP/web01.CORP.COM)."""
    return value.lower() not in KERBEROS_SERVICES and _kerberos_client(value)


# Role specifications SQL accepts where a role name goes (ALTER ROLE CURRENT_USER SET ...).
_SQL_ROLE_WORDS = frozenset({"current_user", "session_user", "current_role", "public", "all"})


def _sql_role(value: str) -> bool:
    return value.lower() not in _SQL_ROLE_WORDS and v.username(value)


# Placeholder values identity providers write when geolocation fails.
_NOT_PLACES = frozenset({"unknown", "none", "null", "other", "any", "all", "n/a", "not available"})


def _city(value: str) -> bool:
    return value.lower() not in _NOT_PLACES


def _regions_regex() -> str:
    """US states and Canadian provinces/territories by name: a "state" key also holds workflow
    states ("Active", "Pending"), so only region names are taken."""
    names = {"District of Columbia"}
    for cc in ("US", "CA"):
        names |= {s.name for s in pycountry.subdivisions.get(country_code=cc) if s.type != "Outlying area"}
    forms = sorted(names, key=len, reverse=True)
    return "(" + "|".join(re.escape(n).replace("\\ ", " ") for n in forms) + ")"


# A JSON/kv key then an opening quote (also JSON-escaped).
_KEYQ = r"""\\?["']?[ \t]*[:=][ \t]*\\?["']"""

SECURITY: tuple[Recognizer, ...] = (
    Recognizer(
        # OpenSSH names the account between "for" and "from": "maximum authentication attempts
        # exceeded for X from", "Too many authentication failures for X from", "Failed none /
        # Postponed keyboard-interactive / Partial publickey for X from", "Starting session: shell
        # on pts/0 for X from".
        "ssh_for_user_from",
        "USERNAME",
        r"\b(?:attempts exceeded|authentication failures?|(?:accepted|failed|postponed|partial) [a-z/-]{4,30}|"
        r"starting session: [^\r\n]{1,60}?)"
        r" for (?:invalid user |illegal user )?(" + _U + r") from ",
        0.75,
        v.username,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # OpenSSH's AllowUsers/DenyUsers refusals: "User X from 198.51.100.7 not allowed because ...".
        "ssh_not_allowed",
        "USERNAME",
        r"\bUser (" + _U + r") from [0-9A-Fa-f.:]{2,45} not allowed because",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # dovecot's passdb/userdb lookups name "<driver>(user,remote-ip,<session>)".
        "dovecot_passdb_user",
        "USERNAME",
        r"\b(?:pam|passwd-file|passwd|shadow|ldap|sql|checkpassword|bsdauth|static|oauth2|lua)\(("
        + _U_MAIL
        + r"),[0-9A-Fa-f.:]{2,45}[,)]",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # dovecot prefixes a logged-in session's lines with "<service>(user)": imap(x): Logged out.
        "dovecot_session_user",
        "USERNAME",
        r"\b(?:imap|pop3|lmtp|submission|managesieve)\((" + _U_MAIL + r")\)[:<]",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # shadow-utils: useradd "new user: name=X,", userdel "delete user 'X'", usermod "lock user
        # 'X' password", passwd "password for 'X' changed by 'root'", chage "changed password expiry for X".
        "shadow_user",
        "USERNAME",
        r"\b(?:new user: name=|(?:delete|lock|unlock|change) user '|password for '|changed password expiry for )("
        + _U
        + r")(?:[',\s]|$)",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # usermod/gpasswd: "add 'X' to group 'wheel'", "add 'X' to shadow group 'wheel'".
        "shadow_group_member",
        "USERNAME",
        r"\badd '(" + _U + r")' to (?:shadow )?group '",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # An assumed role's principal id is "<role unique id>:<session name>", the session name
        # being the caller's login or e-mail (CloudTrail userIdentity.principalId).
        "aws_role_session",
        "USERNAME",
        r"\bAROA[A-Z0-9]{12,28}:([A-Za-z0-9+=,.@_-]{2,64})",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # WordPress's login form names the account "log": in the query string of wp-login.php ...
        "wordpress_login",
        "USERNAME",
        r"\bwp-login\.php\?(?:[^\s\"'#&]*&)*log=(" + _U_MAIL + r")",
        0.75,
        v.username,
        group=1,
    ),
    Recognizer(
        # ... and in the form body that WAF and IDS logs quote ("log=x&pwd=y").
        "wordpress_form",
        "USERNAME",
        r"\blog=(" + _U_MAIL + r")&pwd=",
        0.75,
        v.username,
        group=1,
    ),
    Recognizer(
        # A person as the first RDN of a DN: BIND dn="cn=Ann Lee,ou=People,dc=x", member
        # CN=Lee\, Ann,OU=Staff. Groups, containers and CAs are dropped by their words, their
        # container or the memberOf key; a custom group named like a person is over-redacted.
        "ldap_dn_person",
        "PERSON",
        r"\b[Cc][Nn]=("
        + _NAME_WORD
        + r"(?:(?:\\,)? (?:"
        + _NAME_WORD
        + r"|\p{Lu}\.)){1,3}),(?:[Oo][Uu]|[Dd][Cc]|[Oo]|[Cc][Nn])=",
        0.8,
        _dn_person,
        group=1,
        partial=True,
        # memberOf values and DNs under a groups container are groups ("CN=Finance Approvers,OU=Groups").
        reject_after=("memberof: ", "memberof=", 'memberof": "', "group: ", "group="),
        reject_before=(",OU=Groups", ",ou=Groups", ",ou=groups", ",ou=Group,", ",OU=Security Groups", ",CN=Builtin"),
    ),
    Recognizer(
        # FTP logins as IDS and FTP servers log them: Suricata EVE {"command": "USER",
        # "command_data": "x"}, vsftpd's protocol log "USER x".
        "ftp_user",
        "USERNAME",
        r"(?:\bcommand\\?\"\s*:\s*\\?\"USER\\?\",\s*\\?\"command_data\\?\"\s*:\s*\\?\"|\"USER )(" + _U_MAIL + r")\\?\"",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        # ... and the password that follows (vsftpd writes "<password>" in its place).
        "ftp_pass",
        "PASSWORD",
        r"(?:\bcommand\\?\"\s*:\s*\\?\"PASS\\?\",\s*\\?\"command_data\\?\"\s*:\s*\\?\"|\"PASS )([^\"\s<\\][^\"\s\\]{0,127})\\?\"",
        0.9,
        v.password,
        group=1,
    ),
    Recognizer(
        # Kerberos client names: Suricata's krb5 "cname", KDC and IdP exports' client_name.
        "kerberos_cname",
        "USERNAME",
        r"\b(?:cname|client_name|clientName)\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?(" + _U + r")",
        0.8,
        _kerberos_client,
        group=1,
        reject_before=("$", "/"),  # a machine account (WKS-01$) or a service principal (HTTP/web01)
    ),
    Recognizer(
        # Windows renders an account's display name unquoted to the end of the line (4720 "A user
        # account was created", 4738 "... was changed": "Display Name:\t\tAnn Lee").
        "windows_display_name",
        "PERSON",
        r"(?:\b|\\[tnr])Display Name:(?:[ \t]|\\t)+("
        + _NAME_WORD
        + r"(?: (?:"
        + _NAME_WORD
        + r"|\p{Lu}\.)){1,3})[ \t]*(?:\r|\n|\\r|\\n|$)",
        0.8,
        v.display_name,
        group=1,
        partial=True,
    ),
    Recognizer(
        # Sign-in geolocation: "city": "Austin" (Okta geographicalContext, Azure AD location).
        "keyed_city",
        "LOCATION",
        r"\b(?:city|City|CITY|cityName|city_name)"
        + _KEYQ
        + r"(\p{Lu}[\p{Ll}'.-]*(?:[ -]\p{Lu}[\p{Ll}'.-]*){0,3})\\?[\"']",
        0.75,
        _city,
        group=1,
        partial=True,
    ),
    Recognizer(
        "keyed_region",
        "LOCATION",
        r"\b(?:state|State|STATE|stateOrProvince|province|region)" + _KEYQ + _regions_regex() + r"\\?[\"']",
        0.75,
        group=1,
        partial=True,
    ),
    Recognizer(
        # A client principal written "user/REALM" (Zeek's kerberos.log client column, some KDC
        # exports): the realm in capitals says it is a principal, not a path. The KDC's own
        # principals (krbtgt/REALM) and machine accounts are not people.
        "kerberos_user_realm",
        "USERNAME",
        r"(?:^|[\s,;\"'\[(=])(" + _U + r")/(?:[A-Z0-9-]+\.)+[A-Z]{2,}\b",
        0.8,
        _kerberos_user,
        group=1,
        prefilter=r"/[A-Z0-9-]+\.[A-Z]",
    ),
    Recognizer(
        # SQL statements naming a role or login: CREATE/ALTER/DROP ROLE|USER|LOGIN <name>
        # (PostgreSQL and pgaudit, MySQL, SQL Server's [name]), the name bare or quoted.
        "sql_role_name",
        "USERNAME",
        r"\b(?:create|alter|drop)\s+(?:role|user|login)\s+(?:if\s+(?:not\s+)?exists\s+)?[\[\"`']?(" + _U + r")[\]\"`']?"
        r"(?:\s|;|,|$)",
        0.8,
        _sql_role,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # An account at a literal IPv4 address: ssh/scp targets (jdoe@203.0.113.9), MySQL's general
        # log "Connect\tjdoe@10.1.2.3 on db". A mail domain is never a bare address.
        "user_at_ipv4",
        "USERNAME",
        r"(?:^|[\s,;\"'\[(=<])(" + _U + r")@(?:\d{1,3}\.){3}\d{1,3}\b",
        0.75,
        v.username,
        group=1,
        prefilter=r"@\d{1,3}\.\d",
    ),
)
