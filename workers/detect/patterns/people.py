"""People and places: user names, birth dates, record numbers, titled names, countries."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.fragments import _BACKSLASH_NAME, _COUNTRIES, _DATE, _SEP_ENC, _USER_KEY
from workers.detect.patterns.recognizer import Recognizer


def _not_sso_role(value: str) -> bool:
    """IAM Identity Center's roles (AWSReservedSSO_<permission set>_<hex>) name no person."""
    return not value.startswith("AWSReservedSSO_") and v.username(value)


PEOPLE: tuple[Recognizer, ...] = (
    # --- people-adjacent identifiers with key-name context -----------------------------------
    Recognizer(
        "keyed_username",
        "USERNAME",
        _USER_KEY + _SEP_ENC + r"<?([A-Za-z0-9._@+-]{2,64})",
        0.7,
        _not_sso_role,
        group=1,
        ignore_case=True,
        # CloudTrail's sessionIssuer repeats the role of the ARN just before it as "userName".
        negative_context=(":role/",),
        # dovecot's login processes prefix their lines "imap-login: Disconnected (...)".
        reject_after=("imap-", "pop3-", "submission-", "managesieve-"),
        # Windows renders sections as "New Account:" then "\tSecurity ID:" on the next line.
        # user=CORP\\jdoe names the domain first (downlevel_user reports jdoe); WIN-SRV01$ is a
        # computer account; a value followed by "=" is the next key of an empty field
        # ("ruser= rhost=", "dstuser=\tapp=ssl"); acme%5Cjpark is an encoded down-level name;
        # "User: arn:aws:iam::..." (CloudTrail errorMessage) is an ARN, whose user arn_user reports.
        reject_before=(*_BACKSLASH_NAME, "$", "=", "%5C", "%5c", ":aws", " ID:"),
    ),
    Recognizer(
        "ssh_user",
        "USERNAME",
        # OpenSSH/PAM/logind/su phrasings: "for invalid user X", "Invalid user X from", "by
        # authenticating user X", "session 42 of user X.", su's "(to root) X on pts/2".
        r"(?:\b(?:(?:for|by|as|of|from)(?: invalid| illegal| unknown| authenticating)?|invalid|illegal|authenticating)"
        r" user|\(to [A-Za-z0-9._-]{1,32}\)) ([A-Za-z0-9._-]{2,64})",
        0.75,
        v.username,
        group=1,
        ignore_case=True,
        strip_trailing=".",
    ),
    Recognizer(
        "login_as",
        "USERNAME",
        r"\b(?:log(?:ged)?[ -]?in as|signed in as|sign in as|login as|logged in user)\s+([A-Za-z0-9._@+-]{2,64})",
        0.75,
        v.username,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # Common/combined log format: client - remote_user [time]
        "clf_user",
        "USERNAME",
        r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]{3,}) - ([A-Za-z0-9._@+-]{2,64}) \[",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        "sudo_user",
        "USERNAME",
        r"\bsudo(?:\[\d+\])?:\s+([A-Za-z0-9._-]{2,64}) : ",
        0.8,
        v.username,
        group=1,
    ),
    Recognizer(
        "password_for_user",
        "USERNAME",
        r"\b(?:password(?: changed)?|publickey|keyboard-interactive/pam) for (?:invalid user )?([A-Za-z0-9._-]{2,64})",
        0.75,
        v.username,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "keyed_dob",
        "DATE_OF_BIRTH",
        r"\b(?:dob|d\.o\.b\.?|date[ _-]?of[ _-]?birth|birth[ _-]?date|birthdate|birthday|born(?: on| in)?)"
        + r"""[^\n\d]{0,24}?("""
        + _DATE
        + ")",
        0.85,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        "keyed_mrn",
        "MEDICAL_RECORD_NUMBER",
        r"\b(?:mrn|medical[ _-]?record(?:[ _-]?(?:number|no|num|#))?|patient[ _-]?(?:id|number|no|#)|"
        r"chart[ _-]?(?:number|no|#))" + r"""(?:["']?\s*[:=#]\s*["']?|\s+)([A-Za-z]{0,4}[-]?\d[0-9A-Za-z-]{3,19})""",
        0.85,
        group=1,
        ignore_case=True,
    ),
    # --- names and places with their own marks -----------------------------------------------
    Recognizer(
        # A courtesy title names a person: "Mr. Leiva", "Dr. Wells", "Ms. Ann Jones" - the encoder
        # often misses a lone surname. Up to three capitalised words (or initials) after it.
        "titled_person",
        "PERSON",
        r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Mister|Madam|Mme|Mlle|Herr|Frau)\.?[ \t]+"
        r"((?:\p{Lu}[\p{Ll}'-]+|\p{Lu}\.)(?:[ \t]+(?:\p{Lu}[\p{Ll}'-]+|\p{Lu}\.)){0,2})",
        0.8,
        v.titled_name,
        group=1,
        partial=True,
    ),
    Recognizer(
        # Country names (ISO 3166 short, common and official names; title case or upper case):
        # places the encoder has no label for.
        "country",
        "LOCATION",
        _COUNTRIES,
        0.7,
        standalone=True,
        partial=True,
        prefilter=_COUNTRIES.removeprefix(r"\b").removesuffix(r"\b"),
    ),
    # --- security-log account fields ---------------------------------------------------------
    Recognizer(
        # Windows security events: "Account Name:\t\ta.kowalski", "Target User Name: x", "Caller
        # User Name:", and the EventData keys (TargetUserName, SubjectUserName) in XML or JSON.
        # Computer accounts (WIN-SRV01$), "-" and the service accounts are rejected by the validator.
        "windows_account",
        "USERNAME",
        # Also right after a JSON-escaped tab or line break ("\\tAccount Name:"), where \b fails.
        r"(?:\b|\\[tnr])(?:(?:Target|Caller|Client|Subject|New|Old|Member)[ \t]?(?:User|Account)[ \t]?Name|(?:User|Account)[ \t]Name)"
        r"""(?:[ \t]*:(?:[ \t]|\\t)*|\\?["']?\s*[:=]\s*\\?["']?|["']>)([A-Za-z0-9._@$-]{1,64})""",
        0.8,
        v.windows_account,
        group=1,
        ignore_case=True,
        # A name followed by "=" is the first attribute of a DN (4728/4732 "Account Name:
        # CN=Ann Lee,OU=Staff,..."): the person in it is ldap_dn_person's.
        reject_before=(*_BACKSLASH_NAME, "="),
    ),
    Recognizer(
        # Down-level logon names DOMAIN\user (also JSON-escaped DOMAIN\\user): the user part is
        # reported. NetBIOS domains are upper case in logs; a domain inside a path (C:\WINDOWS\x,
        # \\SERVER\share) or a user part followed by another backslash (a path) is not one.
        "downlevel_user",
        "USERNAME",
        r"\b[A-Z][A-Z0-9-]{1,14}\\{1,2}([A-Za-z0-9._-]{2,64})",
        0.75,
        v.downlevel_user,
        group=1,
        reject_after=("\\", "/", ".", "-"),
        reject_before=(*_BACKSLASH_NAME, "$"),
    ),
    Recognizer(
        # A quoted name after a user word: user 'hernandez.luis' connected, for user "x.chen", and
        # the angle-bracketed fields of Cisco ASA messages (Group <VPN-Users> User <k.ito>).
        "quoted_user",
        "USERNAME",
        r"\b(?:user(?:name)?|login|account|principal)\s+\\?[\"'`<]([A-Za-z0-9._@+-]{2,64})\\?[\"'`>]",
        0.75,
        v.username,
        group=1,
        ignore_case=True,
    ),
    Recognizer(
        # A home directory names its owner: sudo's PWD=/home/jdoe, /Users/jdoe/..., C:\Users\jdoe
        # (also JSON-escaped). Not inside a URL path (example.com/home/x) or a longer path
        # (/srv/home/x is a project layout, not a person's home).
        "home_dir_user",
        "USERNAME",
        r"(?:^|[^A-Za-z0-9_./\\-])(?:/home|/Users|/export/home|[A-Za-z]:(?:\\{1,2})Users)(?:/|\\{1,2})([A-Za-z0-9._-]{2,64})",
        0.75,
        v.home_user,
        group=1,
    ),
    Recognizer(
        # PAM names the invoking user with its uid: "session opened for user root(uid=0) by nlee(uid=1003)".
        "pam_by_user",
        "USERNAME",
        r"\bby ([A-Za-z0-9._-]{2,64})\(uid=\d",
        0.75,
        v.username,
        group=1,
    ),
)
