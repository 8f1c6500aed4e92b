"""Security-log formats, continued: Suricata EVE JSON, Linux auditd, postfix/dovecot mail logs and
directory services (OpenLDAP slapd, MIT krb5kdc). Labelling as in formats_security."""

from __future__ import annotations

from workers.loggen.formats import _ua
from workers.loggen.formats_security_more import auditd_extra, directory_extra, postfix_extra, suricata_extra
from workers.loggen.gold import _Builder
from workers.loggen.security_values import REALMS, alnum, epoch, ip4, nonroutable, src_port, syslog_prefix
from workers.loggen.values import _Values


def fmt_suricata(b: _Builder, v: _Values) -> None:
    ts = v.when()
    kind = v.r.choice(["alert", "dns", "tls", "smtp", "smb", "krb5", "ftp"])
    b.t(f'{{"timestamp": "{ts:%Y-%m-%dT%H:%M:%S.%f}+0000", "flow_id": ')
    b.decoy("RESOURCE_ID", str(v.r.randint(10**14, 2**52))).t(f', "in_iface": "eth{v.r.randint(0, 1)}", ')
    b.t(f'"event_type": "{kind}", "src_ip": "').pii("IP_ADDRESS", v.ip()).t('", "src_port": ')
    src_port(b, v)
    dport = {"alert": 80, "dns": 53, "tls": 443, "smtp": 25, "smb": 445, "krb5": 88, "ftp": 21}[kind]
    b.t(', "dest_ip": "').pii("IP_ADDRESS", ip4(v)).t(f'", "dest_port": {dport}, "proto": "')
    b.t("UDP" if kind in ("dns", "krb5") else "TCP").t('", "community_id": "1:').decoy(
        "HEX_HASH", alnum(v, 27) + "="
    ).t('", ')
    host = v.f.domain_name()
    if kind in ("smb", "krb5", "ftp"):
        suricata_extra(b, v, kind)
    elif kind == "alert":
        sig = v.r.choice(
            ["ET POLICY Cleartext WordPress Login", "ET SCAN Possible Brute Force", "ET WEB_SERVER Basic Auth"]
        )
        b.t(f'"alert": {{"action": "allowed", "gid": 1, "signature_id": {v.r.randint(2000000, 2999999)}, "rev": 3, ')
        b.t(f'"signature": "{sig}", "severity": 2}}, "http": {{"hostname": "').pii("DOMAIN_NAME", host)
        b.t('", "url": "')
        if v.r.random() < 0.5:
            b.t("/wp-login.php?log=").pii("USERNAME", v.username())
        else:
            b.t("/account/reset?email=").pii("EMAIL_ADDRESS", v.email())
        b.t(f'", "http_user_agent": "{_ua(v)}", "http_method": "POST", "protocol": "HTTP/1.1", "status": 302}}')
    elif kind == "dns":
        b.t(f'"dns": {{"type": "query", "id": {v.r.randint(1, 65535)}, "rrname": "').pii("DOMAIN_NAME", host)
        b.t('", "rrtype": "A", "tx_id": 0}')
    elif kind == "tls":
        b.t('"tls": {"subject": "CN=').pii("DOMAIN_NAME", host).t('", "issuerdn": "C=US, O=Let\'s Encrypt, CN=R3", ')
        fp = ":".join(v.f.sha1()[i : i + 2] for i in range(0, 40, 2))
        b.t('"fingerprint": "').decoy("HEX_HASH", fp).t('", "sni": "').pii("DOMAIN_NAME", host)
        b.t('", "version": "TLS 1.3", "ja3": {"hash": "').decoy("HEX_HASH", v.f.md5()).t('"}}')
    else:
        b.t('"smtp": {"helo": "').pii("DOMAIN_NAME", f"mail.{host}").t('", "mail_from": "<')
        b.pii("EMAIL_ADDRESS", v.email()).t('>", "rcpt_to": ["<').pii("EMAIL_ADDRESS", v.email()).t('>"]}')
    b.t("}")


def _audit_head(b: _Builder, v: _Values, typ: str) -> None:
    b.t(f"type={typ} msg=audit({epoch(v.when())[:-3]}:{v.r.randint(100, 999999)}): pid={v.r.randint(300, 65000)} ")


def fmt_auditd(b: _Builder, v: _Values) -> None:
    u = v.username()
    auid = v.r.randint(1000, 60000)
    k = v.r.randrange(5)
    ses = v.r.randint(1, 9999)
    if k == 4:
        auditd_extra(b, v, auid, ses)
    elif k < 2:
        _audit_head(b, v, ["USER_LOGIN", "USER_AUTH"][k])
        b.t(f"uid=0 auid={auid} ses={ses} subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=")
        b.t(["login", "PAM:authentication grantors=pam_unix"][k]).t(' acct="').pii("USERNAME", u)
        ip = ip4(v)
        b.t('" exe="/usr/sbin/sshd" hostname=').pii("IP_ADDRESS", ip).t(" addr=").pii("IP_ADDRESS", ip)
        b.t(f" terminal=ssh res={v.r.choice(['success', 'failed'])}'")
        if k == 1:  # log_format=ENRICHED appends the resolved names after a 0x1d separator
            b.t('\x1dUID="root" AUID="').pii("USERNAME", u).t('"')
    elif k == 2:
        _audit_head(b, v, "USER_CMD")
        b.t(f'uid={auid} auid={auid} ses={ses} msg=\'cwd="/srv/app" cmd=')
        b.decoy("HEX_HASH", "73797374656D63746C20726573746172742073736864")
        b.t(f' exe="/usr/bin/sudo" terminal=pts/{v.r.randint(0, 9)} res=success\'')
        b.t('\x1dUID="').pii("USERNAME", u).t('" AUID="').pii("USERNAME", u).t('"')
    else:
        _audit_head(b, v, "ADD_USER")
        b.t(f"uid=0 auid={auid} ses={ses} msg='op=add-user acct=\"").pii("USERNAME", u)
        b.t(f'" exe="/usr/sbin/useradd" hostname={v.host()} addr=? terminal=pts/0 res=success\'')
    if v.r.random() < 0.5:
        b.t("\n")
        _audit_head(b, v, "SYSCALL")
        b.t(f"arch=c000003e syscall=59 success=yes exit=0 items=2 ppid={v.r.randint(300, 65000)} auid={auid} ")
        b.t(f'uid={auid} gid={auid} euid=0 tty=pts0 ses={ses} comm="sudo" exe="/usr/bin/sudo" key="priv_esc"')


def fmt_postfix(b: _Builder, v: _Values) -> None:
    ts = v.when()
    qid, host = alnum(v, 10, "0123456789ABCDEF"), v.host()
    ip = v.f.ipv4_public()
    k = v.r.randrange(5)
    if k == 4:
        postfix_extra(b, v, qid, lambda prog: syslog_prefix(b, v, ts, prog, host))
        return
    syslog_prefix(b, v, ts, "postfix/smtp" if k == 3 else "postfix/smtpd", host)
    if k == 0:
        b.t("NOQUEUE: reject: RCPT from unknown[").pii("IP_ADDRESS", ip).t("]: 554 5.7.1 <")
        rcpt = v.email()
        b.pii("EMAIL_ADDRESS", rcpt).t(">: Relay access denied; from=<").pii("EMAIL_ADDRESS", v.email())
        b.t(">, to=<").pii("EMAIL_ADDRESS", rcpt).t(">, proto=ESMTP helo=<").pii("DOMAIN_NAME", v.f.domain_name()).t(
            ">"
        )
        return
    if k == 1:
        b.t("warning: unknown[").pii("IP_ADDRESS", ip).t("]: SASL LOGIN authentication failed: ")
        b.decoy("NON_PERSONAL", "UGFzc3dvcmQ6")
        b.t("\n")
        syslog_prefix(b, v, ts, "dovecot", host)
        b.t("auth: pam(").pii("USERNAME", v.username()).t(",").pii("IP_ADDRESS", ip)
        b.t(",<").decoy("RESOURCE_ID", alnum(v, 16)).t(">): pam_authenticate() failed: Authentication failure")
        return
    if k == 2:
        b.t("connect from ").pii("DOMAIN_NAME", f"mail.{v.f.domain_name()}").t("[").pii("IP_ADDRESS", ip).t("]\n")
        syslog_prefix(b, v, ts, "postfix/smtpd", host)
        b.t(f"{qid}: client=unknown[").pii("IP_ADDRESS", ip).t("], sasl_method=PLAIN, sasl_username=")
        u = v.email() if v.r.random() < 0.5 else v.username()
        b.pii("EMAIL_ADDRESS" if "@" in u else "USERNAME", u).t("\n")
        syslog_prefix(b, v, ts, "postfix/cleanup", host)
        b.t(f"{qid}: message-id=<").decoy("MESSAGE_ID", f"{v.uuid()}@{v.host()}.mail.local").t(">\n")
        syslog_prefix(b, v, ts, "postfix/qmgr", host)
        b.t(f"{qid}: from=<").pii("EMAIL_ADDRESS", v.email()).t(
            f">, size={v.r.randint(500, 90000)}, nrcpt=1 (queue active)"
        )
        return
    b.t(f"{qid}: to=<").pii("EMAIL_ADDRESS", v.email()).t(">, relay=").pii("DOMAIN_NAME", f"mx.{v.f.domain_name()}")
    b.t("[").pii("IP_ADDRESS", ip).t(f"]:25, delay=1.{v.r.randint(0, 9)}, dsn=2.0.0, status=sent (250 2.0.0 OK)\n")
    syslog_prefix(b, v, ts, "dovecot", host)
    u = v.email() if v.r.random() < 0.5 else v.username()
    b.t("imap-login: Login: user=<").pii("EMAIL_ADDRESS" if "@" in u else "USERNAME", u)
    b.t(">, method=PLAIN, rip=").pii("IP_ADDRESS", v.f.ipv4_public()).t(", lip=").pii("IP_ADDRESS", v.f.ipv4_private())
    b.t(f", mpid={v.r.randint(300, 65000)}, TLS, session=<").decoy("RESOURCE_ID", alnum(v, 16)).t(">")


def fmt_directory(b: _Builder, v: _Values) -> None:
    ts = v.when()
    conn, host = v.r.randint(1000, 999999), v.host()
    realm = v.r.choice(REALMS)
    dc = ",".join(f"dc={p.lower()}" for p in realm.split("."))
    u = v.username()
    k = v.r.randrange(5)
    if k == 4:
        directory_extra(b, v, conn, dc, realm, lambda prog, sep: syslog_prefix(b, v, ts, prog, host, sep=sep))
    elif k == 0:
        syslog_prefix(b, v, ts, "slapd", host)
        b.t(f"conn={conn} fd={v.r.randint(10, 99)} ACCEPT from IP=").pii("IP_ADDRESS", ip4(v)).t(":")
        src_port(b, v)
        b.t(" (IP=")
        nonroutable(b, v, ("0.0.0.0", "[::]"))
        b.t(":389)\n")
        syslog_prefix(b, v, ts, "slapd", host)
        b.t(f'conn={conn} op=0 BIND dn="uid=').pii("USERNAME", u).t(f',ou=People,{dc}" method=128')
    elif k == 1:
        syslog_prefix(b, v, ts, "slapd", host)
        b.t(f'conn={conn} op=0 BIND dn="cn=').pii("PERSON", v.person()).t(f',ou=Users,{dc}" mech=SIMPLE ssf=0\n')
        syslog_prefix(b, v, ts, "slapd", host)
        b.t(f'conn={conn} op=1 SRCH base="{dc}" scope=2 deref=0 filter="(&(objectClass=posixAccount)(uid=')
        b.pii("USERNAME", u).t('))"')
    elif k == 2:
        syslog_prefix(b, v, ts, "krb5kdc", host, sep="")
        b.t("(info): AS_REQ (4 etypes {18 17 20 19}) ").pii("IP_ADDRESS", ip4(v)).t(": ")
        b.t(v.r.choice(["NEEDED_PREAUTH: ", "ISSUE: authtime 1701424800, etypes {rep=18 tkt=18 ses=18}, "]))
        b.pii("EMAIL_ADDRESS", f"{u}@{realm}").t(f" for krbtgt/{realm}@{realm}")
    else:
        syslog_prefix(b, v, ts, "krb5kdc", host, sep="")
        b.t("(info): TGS_REQ (2 etypes {18 17}) ").pii("IP_ADDRESS", ip4(v)).t(": ISSUE: authtime ")
        b.t(f"{int(ts.timestamp())}, etypes {{rep=18 tkt=18 ses=18}}, ").pii("EMAIL_ADDRESS", f"{u}@{realm}")
        b.t(f" for HTTP/{v.host()}.{realm.lower()}@{realm}")
