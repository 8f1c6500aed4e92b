"""More messages of the tuned security-log products (a second round of variety: account
creation and group membership events, SAML/federated AWS callers, IdP updates, Suricata's SMB,
Kerberos and FTP parsers, auditd PAM records, local delivery, kadmind). Each writes one message
body; the caller in formats_security(_net) has written the prefix. Labelling as there."""

from __future__ import annotations

from collections.abc import Callable

from workers.loggen.gold import _Builder
from workers.loggen.security_values import REALMS, alnum, aws_account, ip4, sid, src_port, workstation
from workers.loggen.values import _Values


def sshd_extra(b: _Builder, v: _Values) -> None:
    u = v.username()
    k = v.r.randrange(5)
    if k == 0:
        b.t("pam_unix(sshd:session): session closed for user ").pii("USERNAME", u)
    elif k == 1:
        b.t("Connection reset by authenticating user ").pii("USERNAME", u).t(" ").pii("IP_ADDRESS", ip4(v))
        b.t(" port ")
        src_port(b, v)
        b.t(" [preauth]")
    elif k == 2:
        b.t("Starting session: shell on pts/2 for ").pii("USERNAME", u).t(" from ").pii("IP_ADDRESS", ip4(v))
        b.t(" port ")
        src_port(b, v)
        b.t(" id 0")
    elif k == 3:
        b.t("pam_sss(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=")
        b.pii("IP_ADDRESS", ip4(v)).t(" user=").pii("USERNAME", u)
    else:
        b.t("fatal: Timeout before authentication for ").pii("IP_ADDRESS", ip4(v)).t(" port ")
        src_port(b, v)


def sudo_extra(b: _Builder, v: _Values, prefix: Callable[[str], None]) -> None:
    u = v.username()
    k = v.r.randrange(4)
    prefix(["sudo", "sudo", "su", "chage"][k])
    if k == 0:
        b.t("   ").pii("USERNAME", u).t(" : TTY=pts/1 ; PWD=/home/").pii("USERNAME", u)
        b.t(" ; USER=root ; COMMAND=/bin/su -")
    elif k == 1:
        b.t("pam_unix(sudo:session): session opened for user root(uid=0) by ").pii("USERNAME", u)
        b.t(f"(uid={v.r.randint(1000, 60000)})")
    elif k == 2:
        b.t("pam_unix(su:auth): authentication failure; logname=").pii("USERNAME", u)
        b.t(f" uid={v.r.randint(1000, 60000)} euid=0 tty=pts/0 ruser=").pii("USERNAME", u).t(" rhost=  user=root")
    else:
        b.t("changed password expiry for ").pii("USERNAME", u)


def win_extra(b: _Builder, v: _Values, dom: str, u: str) -> None:
    """4720 (account created), 4728 (member added to a group), 4771 (Kerberos pre-auth failed)."""
    k = v.r.randrange(3)
    b.t(
        [
            "A user account was created.",
            "A member was added to a security-enabled global group.",
            "Kerberos pre-authentication failed.",
        ][k]
    )
    b.t("\r\n\r\n")
    if k < 2:  # the administrator who made the change
        b.t("Subject:\r\n\tSecurity ID:\t\t").decoy("RESOURCE_ID", sid(v)).t("\r\n\tAccount Name:\t\t")
        b.pii("USERNAME", v.username()).t(f"\r\n\tAccount Domain:\t\t{dom}\r\n\r\n")
    if k == 0:
        first, last = v.first_last()
        b.t("New Account:\r\n\tSecurity ID:\t\t").decoy("RESOURCE_ID", sid(v)).t("\r\n\tAccount Name:\t\t")
        b.pii("USERNAME", u).t(f"\r\n\tAccount Domain:\t\t{dom}\r\n\r\nAttributes:\r\n\tSAM Account Name:\t")
        b.pii("USERNAME", u).t("\r\n\tDisplay Name:\t\t").pii("PERSON", f"{first} {last}")
        b.t("\r\n\tUser Principal Name:\t").pii("EMAIL_ADDRESS", f"{u}@{dom.lower()}.example.com")
    elif k == 1:
        first, last = v.first_last()
        b.t("Member:\r\n\tSecurity ID:\t\t").decoy("RESOURCE_ID", sid(v)).t("\r\n\tAccount Name:\t\tCN=")
        b.pii("PERSON", f"{first} {last}").t(f",OU=Staff,DC={dom.lower()},DC=local\r\n\r\nGroup:\r\n")
        b.t(
            f"\tGroup Name:\t\t{v.r.choice(['Domain Admins', 'Backup Operators', 'VPN Users'])}\r\n\tGroup Domain:\t\t{dom}"
        )
    else:
        b.t("Account Information:\r\n\tSecurity ID:\t\t").decoy("RESOURCE_ID", sid(v)).t("\r\n\tAccount Name:\t\t")
        b.pii("USERNAME", u).t("\r\n\r\nNetwork Information:\r\n\tClient Address:\t\t").pii(
            "IP_ADDRESS", f"::ffff:{ip4(v)}"
        )
        b.t("\r\n\tClient Port:\t\t")
        src_port(b, v)


def cloudtrail_extra(b: _Builder, v: _Values) -> None:
    acct = aws_account(v)
    u = v.username()
    k = v.r.randrange(3)
    if k == 0:  # an IAM admin creates a key for a user
        b.t(f'{{"userIdentity": {{"type": "IAMUser", "arn": "arn:aws:iam::{acct}:user/').pii("USERNAME", v.username())
        b.t('"}, "eventName": "CreateAccessKey", "requestParameters": {"userName": "').pii("USERNAME", u)
        b.t('"}, "responseElements": {"accessKey": {"accessKeyId": "').pii("API_KEY", v.aws_key_id())
        b.t('", "status": "Active", "userName": "').pii("USERNAME", u).t('"}}, "sourceIPAddress": "')
        b.pii("IP_ADDRESS", v.ip()).t('"}')
    elif k == 1:  # SAML federation
        who = v.email()
        b.t('{"userIdentity": {"type": "SAMLUser", "principalId": "').decoy("RESOURCE_ID", alnum(v, 28) + "=")
        b.t(":").pii("EMAIL_ADDRESS", who).t('", "userName": "').pii("EMAIL_ADDRESS", who)
        b.t(f'", "identityProvider": "{alnum(v, 28)}="}}, "eventName": "AssumeRoleWithSAML", "requestParameters": ')
        b.t(
            f'{{"roleArn": "arn:aws:iam::{acct}:role/OktaAdmin", "principalArn": "arn:aws:iam::{acct}:saml-provider/Okta", '
        )
        b.t('"roleSessionName": "').pii("EMAIL_ADDRESS", who).t('"}, "sourceIPAddress": "').pii(
            "IP_ADDRESS", v.f.ipv4_public()
        )
        b.t('"}')
    else:  # the account root
        b.t(f'{{"userIdentity": {{"type": "Root", "principalId": "{acct}", "arn": "arn:aws:iam::{acct}:root", ')
        b.t(f'"accountId": "{acct}"}}, "eventName": "ConsoleLogin", "sourceIPAddress": "').pii(
            "IP_ADDRESS", v.f.ipv4_public()
        )
        b.t('", "responseElements": {"ConsoleLogin": "Success"}}')


def okta_extra(b: _Builder, v: _Values) -> None:
    email, ip = v.email(), v.f.ipv4_public()
    b.t('{"actor": {"type": "User", "alternateId": "').pii("EMAIL_ADDRESS", email).t('", "displayName": "')
    b.pii("PERSON", v.person()).t('"}, "client": {"ipAddress": "').pii("IP_ADDRESS", ip)
    b.t('", "geographicalContext": {"city": null, "state": null, "country": null}}, ')
    b.t('"eventType": "user.account.update_password", "legacyEventType": "core.user.config.password_update.success", ')
    b.t(
        '"debugContext": {"debugData": {"requestUri": "/api/v1/authn/credentials/change_password", "threatSuspected": "false"}}, '
    )
    b.t('"request": {"ipChain": [{"ip": "').pii("IP_ADDRESS", ip).t('", "version": "V4", "source": null}]}}')


def suricata_extra(b: _Builder, v: _Values, kind: str) -> None:
    """The app-layer object of an SMB, Kerberos or FTP event."""
    if kind == "smb":
        b.t('"smb": {"command": "SMB2_COMMAND_SESSION_SETUP", "ntlmssp": {"domain": "CORP", "user": "')
        b.pii("USERNAME", v.username()).t(f'", "host": "{workstation(v)}"}}}}')
    elif kind == "krb5":
        realm = v.r.choice(REALMS)
        b.t('"krb5": {"msg_type": "KRB_AS_REQ", "cname": "').pii("USERNAME", v.username())
        b.t(f'", "realm": "{realm}", "sname": "krbtgt/{realm}", "encryption": "aes256-cts-hmac-sha1-96"}}')
    else:
        b.t('"ftp": {"command": "USER", "command_data": "').pii("USERNAME", v.username()).t(
            '", "completion_code": ["331"]}, '
        )
        b.t('"ftp_pass": {"command": "PASS", "command_data": "').pii("PASSWORD", v.password()).t('"}')


def auditd_extra(b: _Builder, v: _Values, auid: int, ses: int) -> None:
    u = v.username()
    typ, op, exe = v.r.choice(
        [
            ("USER_ACCT", "PAM:accounting grantors=pam_unix,pam_localuser", "/usr/bin/su"),
            ("CRED_ACQ", "PAM:setcred grantors=pam_env,pam_unix", "/usr/sbin/sshd"),
            ("USER_START", "PAM:session_open grantors=pam_selinux,pam_loginuid", "/usr/sbin/crond"),
        ]
    )
    b.t(
        f"type={typ} msg=audit(1700000000.{v.r.randint(100, 999)}:{v.r.randint(100, 99999)}): pid={v.r.randint(300, 65000)} "
    )
    b.t(f"uid=0 auid={auid} ses={ses} msg='op={op} acct=\"").pii("USERNAME", u)
    b.t(f'" exe="{exe}" hostname=? addr=? terminal=pts/0 res=success\'')


def postfix_extra(b: _Builder, v: _Values, qid: str, prefix: Callable[[str], None]) -> None:
    k = v.r.randrange(3)
    prefix(["dovecot", "dovecot", "sendmail"][k])
    if k == 0:
        b.t("imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<").pii("USERNAME", v.username())
        b.t(">, method=PLAIN, rip=").pii("IP_ADDRESS", v.f.ipv4_public()).t(", lip=").pii(
            "IP_ADDRESS", v.f.ipv4_private()
        )
        b.t(", TLS, session=<").decoy("RESOURCE_ID", alnum(v, 16)).t(">")
    elif k == 1:
        b.t("lmtp(").pii("USERNAME", v.username()).t(f")<{v.r.randint(300, 65000)}><")
        b.decoy("RESOURCE_ID", alnum(v, 22)).t(">: msgid=<").decoy("MESSAGE_ID", f"{v.uuid()}@mail.local").t(
            ">: saved mail to INBOX"
        )
    else:
        b.t(f"{qid}: from=<").pii("EMAIL_ADDRESS", v.email()).t(
            f">, size={v.r.randint(500, 90000)}, class=0, nrcpts=1, "
        )
        b.t("msgid=<").decoy("MESSAGE_ID", f"{alnum(v, 14)}@mail.local").t(">, proto=ESMTP, daemon=MTA, relay=")
        b.pii("DOMAIN_NAME", f"mail.{v.f.domain_name()}").t(" [").pii("IP_ADDRESS", v.f.ipv4_public()).t("]")


def directory_extra(
    b: _Builder, v: _Values, conn: int, dc: str, realm: str, prefix: Callable[[str, str], None]
) -> None:
    k = v.r.randrange(4)
    u = v.username()
    prefix(*[("slapd", ": "), ("slapd", ": "), ("krb5kdc", ""), ("kadmind", "")][k])
    if k == 0:
        b.t(f'conn={conn} op=2 SRCH base="ou=people,{dc}" scope=2 deref=0 filter="(mail=').pii(
            "EMAIL_ADDRESS", v.email()
        )
        b.t(')"')
    elif k == 1:
        b.t(f'conn={conn} op=3 MOD dn="uid=').pii("USERNAME", u).t(f',ou=People,{dc}"')
    elif k == 2:
        b.t("(info): AS_REQ (4 etypes {18 17 20 19}) ").pii("IP_ADDRESS", ip4(v)).t(": CLIENT_NOT_FOUND: ")
        b.pii("EMAIL_ADDRESS", f"{u}@{realm}").t(f" for krbtgt/{realm}@{realm}, Client not found in Kerberos database")
    else:
        b.t("(Notice): Request: kadm5_create_principal, ").pii("EMAIL_ADDRESS", f"{u}@{realm}")
        b.t(f", success, client=admin/admin@{realm}, service=kadmin/admin@{realm}, addr=").pii("IP_ADDRESS", ip4(v))
