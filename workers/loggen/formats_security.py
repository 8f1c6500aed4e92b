"""Security-log formats (auth, directory, cloud audit, IDS, mail), written from how the products
log: field names, phrasings and layouts of OpenSSH/PAM/sudo, Windows Security events, CloudTrail,
Okta, Suricata EVE, auditd, postfix/dovecot, OpenLDAP and MIT krb5kdc. Not in the default mix:
`generate(n, seed, SECURITY_FORMATS)` or `pii-worker gen --format security`.

Labelling follows the taxonomy: account names of people are USERNAME (the user part only of
DOMAIN\\user), a Kerberos principal user@REALM is EMAIL_ADDRESS, every routable IP is
IP_ADDRESS. Machine accounts (WKS-01$), built-in accounts (root, SYSTEM), role names, SIDs,
logon ids and 0.0.0.0/127.0.0.1 are decoys."""

from __future__ import annotations

from workers.loggen.formats import _ua
from workers.loggen.formats_security_more import cloudtrail_extra, okta_extra, sshd_extra, sudo_extra, win_extra
from workers.loggen.gold import _Builder
from workers.loggen.security_values import (
    NETBIOS_DOMAINS,
    alnum,
    aws_account,
    ip4,
    logon_id,
    nonroutable,
    sid,
    src_port,
    syslog_prefix,
    workstation,
    zulu,
)
from workers.loggen.values import _Values


def _sshd_line(b: _Builder, v: _Values) -> None:
    k = v.r.randrange(9)
    u = v.username()
    if k == 0:
        b.t(f"Accepted {v.r.choice(['password', 'keyboard-interactive/pam'])} for ").pii("USERNAME", u)
        b.t(" from ").pii("IP_ADDRESS", v.ip()).t(" port ")
        src_port(b, v)
        b.t(" ssh2")
    elif k == 1:
        b.t("Accepted publickey for ").pii("USERNAME", u).t(" from ").pii("IP_ADDRESS", ip4(v)).t(" port ")
        src_port(b, v)
        b.t(f" ssh2: {v.r.choice(['RSA', 'ED25519', 'ECDSA'])} SHA256:").decoy("HEX_HASH", alnum(v, 43))
    elif k == 2:
        b.t(f"Failed password for {v.r.choice(['invalid user ', ''])}").pii("USERNAME", u).t(" from ")
        b.pii("IP_ADDRESS", ip4(v)).t(" port ")
        src_port(b, v)
        b.t(" ssh2")
    elif k == 3:
        b.t("Invalid user ").pii("USERNAME", u).t(" from ").pii("IP_ADDRESS", ip4(v)).t(" port ")
        src_port(b, v)
    elif k == 4:
        b.t(v.r.choice(["Connection closed by authenticating user ", "Disconnected from invalid user "]))
        b.pii("USERNAME", u).t(" ").pii("IP_ADDRESS", ip4(v)).t(" port ")
        src_port(b, v)
        b.t(" [preauth]")
    elif k == 5:
        b.t("pam_unix(sshd:session): session opened for user ").pii("USERNAME", u)
        b.t(f"(uid={v.r.randint(1000, 60000)}) by (uid=0)")
    elif k == 6:
        b.t("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=")
        b.pii("IP_ADDRESS", ip4(v)).t("  user=").pii("USERNAME", u)
    elif k == 7:
        b.t("error: maximum authentication attempts exceeded for ").pii("USERNAME", u).t(" from ")
        b.pii("IP_ADDRESS", ip4(v)).t(" port ")
        src_port(b, v)
        b.t(" ssh2 [preauth]")
    else:
        b.t("Failed password for ").decoy("NON_PERSONAL", "root").t(" from ").pii("IP_ADDRESS", ip4(v)).t(" port ")
        src_port(b, v)
        b.t(" ssh2")


def fmt_sshd(b: _Builder, v: _Values) -> None:
    host = v.host()
    for i in range(v.r.randint(1, 3)):
        syslog_prefix(b.t("\n") if i else b, v, v.when(), "sshd", host)
        k = v.r.random()
        if k < 0.1:
            b.t("Server listening on ")
            nonroutable(b, v)
            b.t(" port 22.")
        elif k < 0.4:
            sshd_extra(b, v)
        else:
            _sshd_line(b, v)


def fmt_sudo(b: _Builder, v: _Values) -> None:
    ts, host = v.when(), v.host()
    if v.r.random() < 0.3:
        sudo_extra(b, v, lambda prog: syslog_prefix(b, v, ts, prog, host))
        return
    u = v.username()
    k = v.r.randrange(8)
    if k < 3:
        syslog_prefix(b, v, ts, "sudo", host)
        b.t("   ").pii("USERNAME", u).t(" : ")
        b.t(["", "user NOT in sudoers ; ", "3 incorrect password attempts ; "][k])
        b.t(f"TTY=pts/{v.r.randint(0, 9)} ; PWD={v.r.choice(['/var/www', '/opt/app', '/etc/nginx', '/tmp'])} ; ")
        cmd = v.r.choice(["/usr/bin/systemctl restart nginx", "/bin/bash", "/usr/bin/apt-get upgrade -y"])
        b.t("USER=").decoy("NON_PERSONAL", "root").t(f" ; COMMAND={cmd}")
    elif k == 3:
        syslog_prefix(b, v, ts, "sudo", host)
        b.t("pam_unix(sudo:auth): authentication failure; logname=").pii("USERNAME", u)
        uid = v.r.randint(1000, 60000)
        b.t(f" uid={uid} euid=0 tty=/dev/pts/{v.r.randint(0, 9)} ruser=").pii("USERNAME", u)
        b.t(" rhost=  user=").pii("USERNAME", u)
    elif k == 4:
        syslog_prefix(b, v, ts, "su", host)
        b.t(v.r.choice(["(to root) ", "FAILED SU (to root) "])).pii("USERNAME", u).t(f" on pts/{v.r.randint(0, 9)}")
        b.t("\n")
        syslog_prefix(b, v, ts, "su", host)
        b.t("pam_unix(su-l:session): session opened for user root(uid=0) by ").pii("USERNAME", u)
        b.t(f"(uid={v.r.randint(1000, 60000)})")
    elif k == 5:
        syslog_prefix(b, v, ts, "useradd", host)
        n = v.r.randint(1001, 9000)
        b.t("new user: name=").pii("USERNAME", u).t(f", UID={n}, GID={n}, home=/home/").pii("USERNAME", u)
        b.t(", shell=/bin/bash, from=/dev/pts/0\n")
        syslog_prefix(b, v, ts, "usermod", host)
        b.t("add '").pii("USERNAME", u).t(f"' to group '{v.r.choice(['wheel', 'docker', 'sudo', 'adm'])}'")
    elif k == 6:
        syslog_prefix(b, v, ts, "passwd", host)
        b.t("pam_unix(passwd:chauthtok): password changed for ").pii("USERNAME", u)
    else:
        syslog_prefix(b, v, ts, "systemd-logind", host)
        b.t(f"New session {v.r.randint(1, 9999)} of user ").pii("USERNAME", u).t(".\n")
        syslog_prefix(b, v, ts, "CRON", host)
        b.t("pam_unix(cron:session): session opened for user ").decoy("NON_PERSONAL", "root")
        b.t("(uid=0) by (uid=0)")


def _win_text(b: _Builder, v: _Values, dom: str, u: str) -> None:
    """Event 4624/4625/4740 as Windows renders the message (Event Viewer, NXLog `Message`)."""
    k = v.r.randrange(3)
    b.t(["An account was successfully logged on.", "An account failed to log on.", "A user account was locked out."][k])
    b.t("\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n\tAccount Name:\t\t")
    b.decoy("NON_PERSONAL", f"{workstation(v)}$").t(f"\r\n\tAccount Domain:\t\t{dom}\r\n\tLogon ID:\t\t0x3E7\r\n\r\n")
    if k == 2:
        b.t("Account That Was Locked Out:\r\n\tSecurity ID:\t\t").decoy("RESOURCE_ID", sid(v))
        b.t("\r\n\tAccount Name:\t\t").pii("USERNAME", u).t("\r\n\r\nAdditional Information:\r\n")
        b.t(f"\tCaller Computer Name:\t{workstation(v)}")
        return
    b.t(f"Logon Information:\r\n\tLogon Type:\t\t{v.r.choice([2, 3, 10])}\r\n\r\n")
    b.t("New Logon:\r\n" if k == 0 else "Account For Which Logon Failed:\r\n")
    b.t("\tSecurity ID:\t\t").decoy("RESOURCE_ID", sid(v) if k == 0 else "S-1-0-0")
    b.t("\r\n\tAccount Name:\t\t").pii("USERNAME", u).t(f"\r\n\tAccount Domain:\t\t{dom}\r\n")
    if k == 0:
        b.t("\tLogon ID:\t\t").decoy("RESOURCE_ID", logon_id(v)).t("\r\n\tLogon GUID:\t\t{")
        b.decoy("UUID", v.uuid()).t("}\r\n")
    else:
        b.t("\r\nFailure Information:\r\n\tFailure Reason:\t\tUnknown user name or bad password.\r\n")
        b.t("\tStatus:\t\t\t0xC000006D\r\n\tSub Status:\t\t0xC000006A\r\n")
    b.t(f"\r\nNetwork Information:\r\n\tWorkstation Name:\t{workstation(v)}\r\n\tSource Network Address:\t")
    b.pii("IP_ADDRESS", ip4(v)).t("\r\n\tSource Port:\t\t")
    src_port(b, v)
    b.t("\r\n\r\nDetailed Authentication Information:\r\n\tLogon Process:\t\tNtLmSsp \r\n")
    b.t("\tAuthentication Package:\tNTLM")


def fmt_winsec(b: _Builder, v: _Values) -> None:
    dom = v.r.choice(NETBIOS_DOMAINS)
    u = v.username()
    k = v.r.random()
    if k < 0.4:
        (_win_text if v.r.random() < 0.6 else win_extra)(b, v, dom, u)
        return
    eid = v.r.choice([4624, 4625, 4768, 4776])
    names = [("SubjectUserName", None), ("SubjectDomainName", dom), ("TargetUserName", u)]
    names += [("TargetDomainName", dom), ("WorkstationName", workstation(v)), ("IpAddress", ip4(v))]
    if k < 0.7:  # the XML of the event (wevtutil, Windows Event Forwarding)
        b.t(f"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>{eid}</EventID>")
        b.t(f"<Computer>{workstation(v)}.corp.local</Computer></System><EventData>")
        for name, value in names:
            b.t(f"<Data Name='{name}'>")
            _win_value(b, v, name, value)
            b.t("</Data>")
        b.t("<Data Name='IpPort'>")
        src_port(b, v)
        b.t("</Data></EventData></Event>")
    else:  # winlogbeat JSON
        b.t(f'{{"event": {{"code": "{eid}", "provider": "Microsoft-Windows-Security-Auditing"}}, "winlog": ')
        b.t('{"event_data": {')
        for i, (name, value) in enumerate(names):
            b.t(f'{", " if i else ""}"{name}": "')
            _win_value(b, v, name, value)
            b.t('"')
        b.t(
            f'}}, "computer_name": "DC{v.r.randint(1, 4):02d}.corp.local", "record_id": {v.r.randint(10**5, 10**8)}}}}}'
        )


def _win_value(b: _Builder, v: _Values, name: str, value: str | None) -> None:
    if name == "SubjectUserName":
        b.decoy("NON_PERSONAL", f"{workstation(v)}$")
    elif name == "TargetUserName" and value:
        b.pii("USERNAME", value)
    elif name == "IpAddress" and value:
        b.pii("IP_ADDRESS", value)
    else:
        b.t(value or "-")


def fmt_cloudtrail(b: _Builder, v: _Values) -> None:
    if v.r.random() < 0.3:
        cloudtrail_extra(b, v)
        return
    acct = aws_account(v)
    u = v.username()
    k = v.r.random()
    b.t('{"eventVersion": "1.08", "userIdentity": {')
    if k < 0.5:
        b.t('"type": "IAMUser", "principalId": "').decoy(
            "RESOURCE_ID", "AIDA" + alnum(v, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        )
        b.t(f'", "arn": "arn:aws:iam::{acct}:user/').pii("USERNAME", u)
        b.t(f'", "accountId": "{acct}", "accessKeyId": "').pii("API_KEY", v.aws_key_id())
        b.t('", "userName": "').pii("USERNAME", u).t('"}')
    elif k < 0.85:
        role = v.r.choice(["DevOpsRole", "AWSReservedSSO_AdministratorAccess_3f1a2b", "ReadOnly"])
        who = v.email() if v.r.random() < 0.6 else u
        typ = "EMAIL_ADDRESS" if "@" in who else "USERNAME"
        b.t('"type": "AssumedRole", "principalId": "').decoy(
            "RESOURCE_ID", "AROA" + alnum(v, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        )
        b.t(":").pii(typ, who).t(f'", "arn": "arn:aws:sts::{acct}:assumed-role/{role}/').pii(typ, who)
        b.t(f'", "accountId": "{acct}", "sessionContext": {{"sessionIssuer": {{"type": "Role", ')
        b.t(f'"arn": "arn:aws:iam::{acct}:role/{role}", "userName": "').decoy("NON_PERSONAL", role).t('"}}}')
    else:
        b.t('"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}')
    b.t(f', "eventTime": "{zulu(v.when())}", "eventSource": "')
    if k < 0.5 and v.r.random() < 0.5:
        b.t('signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "')
        b.pii("IP_ADDRESS", v.f.ipv4_public()).t(f'", "userAgent": "{_ua(v)}", "responseElements": {{"ConsoleLogin": "')
        b.t(v.r.choice(["Success", "Failure"]) + '"}, "additionalEventData": {"MFAUsed": "No"}')
    elif k < 0.85:
        b.t('s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "eu-west-1", "sourceIPAddress": "')
        b.pii("IP_ADDRESS", v.f.ipv4_public()).t('", "userAgent": "aws-cli/2.15.0 Python/3.11.6", ')
        b.t('"errorCode": "AccessDenied", "errorMessage": "User: ')
        if k < 0.5:
            b.t(f"arn:aws:iam::{acct}:user/").pii("USERNAME", u)
        else:
            b.t(f"arn:aws:sts::{acct}:assumed-role/...")
        b.t(
            f' is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::billing-{v.r.randint(1, 99)}/q.csv"'
        )
    else:
        b.t('sts.amazonaws.com", "eventName": "AssumeRole", "sourceIPAddress": "lambda.amazonaws.com", ')
        b.t(
            f'"requestParameters": {{"roleArn": "arn:aws:iam::{acct}:role/service-role/LambdaExec", "roleSessionName": "'
        )
        b.decoy("RESOURCE_ID", f"i-0{v.f.md5()[:16]}").t('"}')
    b.t(', "eventID": "').decoy("UUID", v.uuid()).t(f'", "recipientAccountId": "{acct}"}}')


def fmt_okta(b: _Builder, v: _Values) -> None:
    if v.r.random() < 0.25:
        okta_extra(b, v)
        return
    first, last = v.first_last()
    email = v.email()
    b.t('{"actor": {"id": "').decoy("RESOURCE_ID", "00u" + alnum(v, 17)).t('", "type": "User", "alternateId": "')
    b.pii("EMAIL_ADDRESS", email).t('", "displayName": "').pii("PERSON", f"{first} {last}").t('"}, "client": {')
    b.t(f'"userAgent": {{"rawUserAgent": "{_ua(v)}", "browser": "CHROME"}}, "zone": "null", "device": "Computer", ')
    b.t('"ipAddress": "').pii("IP_ADDRESS", v.f.ipv4_public()).t('", "geographicalContext": {"city": "')
    b.pii("LOCATION", v.f.city()).t('", "state": "').pii("LOCATION", v.f.state()).t('", "country": "')
    b.pii("LOCATION", "United States").t('"}}, ')
    event, msg = v.r.choice(
        [
            ("user.session.start", "User login to Okta"),
            ("user.authentication.sso", "User single sign on to app"),
            ("user.mfa.factor.deactivate", "Reset factor for user"),
            ("user.account.lock", "Max sign in attempts exceeded"),
        ]
    )
    b.t(f'"displayMessage": "{msg}", "eventType": "{event}", "outcome": {{"result": ')
    b.t(v.r.choice(['"SUCCESS"}', '"FAILURE", "reason": "INVALID_CREDENTIALS"}']))
    b.t(f', "published": "{zulu(v.when())}", "uuid": "').decoy("UUID", v.uuid()).t('", "target": [')
    if event == "user.mfa.factor.deactivate":
        b.t('{"type": "User", "alternateId": "').pii("EMAIL_ADDRESS", v.email()).t('", "displayName": "')
        b.pii("PERSON", v.person()).t('"}')
    else:
        b.t('{"type": "AppInstance", "alternateId": "Salesforce.com", "displayName": "Salesforce.com"}')
    b.t("]}")
