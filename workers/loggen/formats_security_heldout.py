"""Held-out security-log formats: Azure AD sign-ins, Zeek TSV logs, VPN/firewall (Cisco ASA,
PAN-OS GlobalProtect, FortiGate, OpenVPN) and database audit (PostgreSQL, MySQL, SQL Server).
Chosen before any measurement and never tuned on: the rules' figures on them show how the
security-log rules generalise. Labelling as in formats_security."""

from __future__ import annotations

from workers.loggen.formats import _ua
from workers.loggen.gold import _Builder
from workers.loggen.security_values import (
    NETBIOS_DOMAINS,
    REALMS,
    alnum,
    epoch,
    ip4,
    src_port,
    syslog_prefix,
    workstation,
    zulu,
)
from workers.loggen.values import _Values


def fmt_azuread(b: _Builder, v: _Values) -> None:
    b.t('{"id": "').decoy("UUID", v.uuid()).t(f'", "createdDateTime": "{zulu(v.when())}", "userDisplayName": "')
    b.pii("PERSON", v.person()).t('", "userPrincipalName": "').pii("EMAIL_ADDRESS", v.email()).t('", "userId": "')
    b.decoy("UUID", v.uuid()).t('", "appId": "').decoy("UUID", v.uuid())
    app = v.r.choice(["Office 365 Exchange Online", "Azure Portal", "Microsoft Teams", "Azure CLI"])
    b.t(f'", "appDisplayName": "{app}", "ipAddress": "').pii("IP_ADDRESS", v.ip()).t('", "clientAppUsed": "Browser", ')
    b.t('"correlationId": "').decoy("UUID", v.uuid()).t('", "status": {"errorCode": ')
    b.t(
        v.r.choice(
            ["0}", '50126, "failureReason": "Error validating credentials due to invalid username or password."}']
        )
    )
    b.t(
        f', "deviceDetail": {{"displayName": "{workstation(v)}", "operatingSystem": "Windows10", "browser": "Edge 120.0.0"}}'
    )
    b.t(', "location": {"city": "').pii("LOCATION", v.f.city()).t('", "state": "').pii("LOCATION", v.f.state())
    b.t('", "countryOrRegion": "US"}')
    if v.r.random() < 0.4:  # an audit event initiated by an admin on a target user
        b.t(', "initiatedBy": {"user": {"userPrincipalName": "').pii("EMAIL_ADDRESS", v.email()).t('", "ipAddress": "')
        b.pii("IP_ADDRESS", v.f.ipv4_public()).t('"}}, "targetResources": [{"type": "User", "displayName": "')
        b.pii("PERSON", v.person()).t('"}]')
    b.t("}")


_ZEEK = {
    "ssh": ("version", "auth_success", "auth_attempts", "client", "server"),
    "kerberos": ("request_type", "client", "service", "success", "error_msg"),
    "http": ("method", "host", "uri", "user_agent", "status_code", "username", "password"),
}


def fmt_zeek(b: _Builder, v: _Values) -> None:
    log = v.r.choice(sorted(_ZEEK))
    b.t(f"#separator \\x09\n#path\t{log}\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\t")
    b.t("\t".join(_ZEEK[log]) + "\n")
    for i in range(v.r.randint(1, 3)):
        b.t("\n" if i else "").decoy("TIMESTAMP", epoch(v.when())).t("\t").decoy("RESOURCE_ID", "C" + alnum(v, 17))
        b.t("\t").pii("IP_ADDRESS", v.ip()).t("\t")
        src_port(b, v)
        b.t("\t").pii("IP_ADDRESS", ip4(v)).t("\t")
        if log == "ssh":
            b.t("22\t2\t").t(v.r.choice(["T\t1", "F\t6"])).t("\tSSH-2.0-PuTTY_Release_0.79\tSSH-2.0-OpenSSH_8.9p1")
        elif log == "kerberos":
            realm = v.r.choice(REALMS)
            b.t("88\tAS\t").pii("USERNAME", v.username()).t(f"/{realm}\tkrbtgt/{realm}\t")
            b.t(v.r.choice(["T\t-", "F\tKDC_ERR_PREAUTH_FAILED"]))
        else:
            b.t("80\tGET\t").pii("DOMAIN_NAME", v.f.domain_name()).t(f"\t/{v.f.uri_path()}\t{_ua(v)}\t")
            if v.r.random() < 0.5:
                b.t("401\t").pii("USERNAME", v.username()).t("\t").pii("PASSWORD", v.password())
            else:
                b.t("200\t-\t-")


def _asa(b: _Builder, v: _Values) -> None:
    b.t(f"{v.when():%b %d %Y %H:%M:%S} asa-{v.r.randint(1, 3)} : ")
    u = v.username()
    group = v.r.choice(["RemoteAccess", "GP-Staff", "Contractors"])
    k = v.r.randrange(3)
    if k == 0:
        b.t("%ASA-6-113004: AAA user authentication Successful : server =  ").pii("IP_ADDRESS", v.f.ipv4_private())
        b.t(" : user = ").pii("USERNAME", u)
    elif k == 1:
        b.t(f"%ASA-4-722051: Group <{group}> User <").pii("USERNAME", u).t("> IP <").pii(
            "IP_ADDRESS", v.f.ipv4_public()
        )
        b.t("> IPv4 Address <").pii("IP_ADDRESS", v.f.ipv4_private()).t("> assigned to session")
    else:
        b.t("%ASA-6-605005: Login permitted from ").pii("IP_ADDRESS", ip4(v)).t("/")
        src_port(b, v)
        b.t(" to inside:").pii("IP_ADDRESS", v.f.ipv4_private()).t('/ssh for user "').pii("USERNAME", u).t('"')


def fmt_vpnfw(b: _Builder, v: _Values) -> None:
    k = v.r.randrange(4)
    u = v.username()
    ts = v.when()
    if k == 0:
        _asa(b, v)
    elif k == 1:  # PAN-OS GlobalProtect, CSV syslog
        b.t(f"1,{ts:%Y/%m/%d %H:%M:%S},0128010{v.r.randint(10000, 99999)},GLOBALPROTECT,0,2561,{ts:%Y/%m/%d %H:%M:%S}")
        b.t(f",vsys1,gateway-auth,login,LDAP,SSL-VPN,{v.r.choice(NETBIOS_DOMAINS).lower()}\\").pii("USERNAME", u)
        b.t(f",US,{workstation(v)},").pii("IP_ADDRESS", v.f.ipv4_public()).t(",,").pii("IP_ADDRESS", v.f.ipv4_private())
        b.t(",,").decoy("UUID", v.uuid()).t(",,6.2.1,Microsoft Windows 11 Pro,,1,,,,success,,0,user-logon,0,")
    elif k == 2:  # FortiGate key=value
        b.t(f'date={ts:%Y-%m-%d} time={ts:%H:%M:%S} devname="FGT60F" devid="FGT60FTK{v.r.randint(10**7, 10**8)}" ')
        b.t(f'logid="0101039947" type="event" subtype="vpn" level="warning" vd="root" eventtime={int(ts.timestamp())} ')
        b.t('logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" remip=').pii(
            "IP_ADDRESS", v.f.ipv4_public()
        )
        b.t(' user="').pii("USERNAME", u).t('" group="N/A" dst_host="N/A" reason="sslvpn_login_permission_denied" ')
        b.t('msg="SSL user failed to logged in"')
    else:  # OpenVPN server
        host = v.host()
        syslog_prefix(b, v, ts, "openvpn", host)
        ip = v.f.ipv4_public()
        cn = v.email() if v.r.random() < 0.4 else u
        typ = "EMAIL_ADDRESS" if "@" in cn else "USERNAME"
        b.pii("IP_ADDRESS", ip).t(":")
        src_port(b, v)
        b.t(" TLS: Username/Password authentication succeeded for username '").pii(typ, cn).t("'\n")
        syslog_prefix(b, v, ts, "openvpn", host)
        b.pii(typ, cn).t("/").pii("IP_ADDRESS", ip).t(":")
        src_port(b, v)
        b.t(" MULTI_sva: pool returned IPv4=").pii("IP_ADDRESS", f"10.8.0.{v.r.randint(2, 250)}").t(
            ", IPv6=(Not enabled)"
        )


def fmt_dbaudit(b: _Builder, v: _Values) -> None:
    ts = v.when()
    u = v.username()
    db = v.r.choice(["appdb", "billing", "crm", "analytics"])
    k = v.r.randrange(4)
    if k == 0:  # PostgreSQL with log_line_prefix '%m [%p] %q%u@%d '
        pre = f"{ts:%Y-%m-%d %H:%M:%S}.{v.r.randint(0, 999):03d} UTC [{v.r.randint(300, 65000)}] "
        b.t(pre + "LOG:  connection received: host=").pii("IP_ADDRESS", ip4(v)).t(" port=")
        src_port(b, v)
        b.t("\n" + pre).pii("USERNAME", u).t(f'@{db} FATAL:  password authentication failed for user "').pii(
            "USERNAME", u
        )
        b.t('"\n' + pre).pii("USERNAME", u).t(f'@{db} DETAIL:  Connection matched pg_hba.conf line 99: "host all all ')
        b.decoy("NON_PERSONAL", "0.0.0.0")
        b.t('/0 scram-sha-256"')
    elif k == 1:  # pgaudit
        b.t(f"{ts:%Y-%m-%d %H:%M:%S} UTC [{v.r.randint(300, 65000)}] postgres@{db} LOG:  AUDIT: SESSION,1,1,ROLE,")
        b.t("ALTER ROLE,,,ALTER ROLE ").pii("USERNAME", u).t(" WITH LOGIN PASSWORD '").pii("PASSWORD", v.password())
        b.t("',<not logged>")
    elif k == 2:  # MySQL general log and error log
        b.t(f"{ts:%Y-%m-%dT%H:%M:%S}.{v.r.randint(0, 999999):06d}Z\t   {v.r.randint(5, 999)} Connect\t")
        ip = ip4(v)
        b.pii("USERNAME", u).t("@").pii("IP_ADDRESS", ip).t(f" on {db} using TCP/IP\n")
        b.t(f"{ts:%Y-%m-%dT%H:%M:%S}.{v.r.randint(0, 999999):06d}Z {v.r.randint(5, 999)} [Note] [MY-010926] ")
        b.t("Access denied for user '").pii("USERNAME", v.username()).t("'@'").pii("IP_ADDRESS", ip)
        b.t("' (using password: YES)")
    else:  # SQL Server error log
        b.t(f"{ts:%Y-%m-%d %H:%M:%S}.{v.r.randint(0, 99):02d} Logon       Login failed for user '")
        if v.r.random() < 0.5:
            b.t(f"{v.r.choice(NETBIOS_DOMAINS)}\\")
        b.pii("USERNAME", u).t("'. Reason: Password did not match that for the login provided. [CLIENT: ")
        b.pii("IP_ADDRESS", ip4(v)).t("]")
